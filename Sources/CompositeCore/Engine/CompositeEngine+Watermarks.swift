/// Watermarks: timers scheduled for a topic's event time, run as its watermark advances.
extension CompositeEngine {
    mutating func schedule(_ work: WatermarkTimer.Work, stream: Int32, kind: TopicKind, at time: Timestamp) {
        self.sequence += 1
        let timer = WatermarkTimer(fireAt: time, sequence: self.sequence, work: work)
        switch kind {
        case .tasks: self.streams[Int(stream)].tasksTimers.insert(timer)
        case .experiments: self.streams[Int(stream)].experimentsTimers.insert(timer)
        }
    }

    /// Moves a topic's watermark forward (never back) and runs the work that was waiting for it.
    mutating func advance(stream: Int32, kind: TopicKind, to time: Timestamp) {
        let index = Int(stream)
        switch kind {
        case .tasks:
            guard time > self.streams[index].tasksWatermark else { return }
            self.streams[index].tasksWatermark = time
            while let next = self.streams[index].tasksTimers.min, next.fireAt <= self.streams[index].tasksWatermark {
                _ = self.streams[index].tasksTimers.popMin()
                self.run(next.work)
            }
        case .experiments:
            guard time > self.streams[index].experimentsWatermark else { return }
            self.streams[index].experimentsWatermark = time
            while let next = self.streams[index].experimentsTimers.min,
                next.fireAt <= self.streams[index].experimentsWatermark
            {
                _ = self.streams[index].experimentsTimers.popMin()
                self.run(next.work)
            }
        }
    }

    private mutating func run(_ work: WatermarkTimer.Work) {
        switch work {
        case .evaluate(let key):
            self.evaluate(key)
        case .releaseUnlinkedScore(let key, let ref):
            guard var scores = self.unlinked[key], let position = scores.firstIndex(where: { $0.ref == ref }) else {
                return
            }
            scores.remove(at: position)
            self.unlinked[key] = scores.isEmpty ? nil : scores
            self.acknowledge(ref)
        case .closeClaimWindow(let key):
            self.releaseCandidate(key)
        case .forgetDecided(let keys):
            for key in keys { self.decided.remove(key) }
        case .releaseSettled(let key):
            self.releaseSettled(key)
        case .releaseProof(let key):
            self.releaseProof(key)
        }
    }
}
