import CompositeKafka
import Foundation
import Testing

/// Individual acknowledgements over Kafka offsets: the tracker, its commit-metadata encoding and bound, and the
/// topic mapping. Pure, no broker.
struct PartitionAcknowledgementsTests {
    @Test func theCommittedOffsetIsTheFirstUnacknowledgedOneAndHolesAboveItAreRanges() {
        var acknowledgements = PartitionAcknowledgements(committed: 0)
        for offset: Int64 in [3, 4, 7] { acknowledgements.acknowledge(offset) }
        #expect(acknowledgements.committed == 0)
        #expect(acknowledgements.ranges == [3..<5, 7..<8])
        for offset: Int64 in [0, 1, 2] { acknowledgements.acknowledge(offset) }
        #expect(acknowledgements.committed == 5)
        #expect(acknowledgements.ranges == [7..<8])
        acknowledgements.acknowledge(6)
        acknowledgements.acknowledge(6)
        acknowledgements.acknowledge(2)
        #expect(acknowledgements.ranges == [6..<8])
        acknowledgements.acknowledge(5)
        #expect(acknowledgements.committed == 8)
        #expect(acknowledgements.ranges.isEmpty)
        #expect(acknowledgements.contains(7) && !acknowledgements.contains(8))
    }

    @Test func rangesMergeWhenAnAcknowledgementFillsTheGapBetweenThem() {
        var acknowledgements = PartitionAcknowledgements(committed: 10, ranges: [12..<14, 15..<16, 20..<22])
        acknowledgements.acknowledge(14)
        #expect(acknowledgements.ranges == [12..<16, 20..<22])
        acknowledgements.acknowledge(17..<20)
        #expect(acknowledgements.ranges == [12..<16, 17..<22])
        #expect(acknowledgements.contains(13) && !acknowledgements.contains(16) && acknowledgements.contains(21))
    }

    @Test func metadataRoundTripsRelativeToTheCommittedOffset() {
        var acknowledgements = PartitionAcknowledgements(committed: 1_000_000)
        for offset in stride(from: Int64(1_000_002), to: 1_000_400, by: 3) { acknowledgements.acknowledge(offset) }
        let (bytes, complete) = acknowledgements.metadata()
        #expect(complete)
        #expect(bytes.starts(with: Array("ack1:".utf8)))
        let restored = PartitionAcknowledgements(committed: 1_000_000, metadata: bytes)
        #expect(restored == acknowledgements)
    }

    @Test func metadataBeyondTheBoundKeepsTheLowestRangesAndSaysItIsIncomplete() {
        var acknowledgements = PartitionAcknowledgements(committed: 0)
        for offset in stride(from: Int64(1), to: 20_000, by: 2) { acknowledgements.acknowledge(offset) }
        let (bytes, complete) = acknowledgements.metadata(limit: 4_096)
        #expect(!complete)
        #expect(bytes.count <= 4_096)
        let restored = PartitionAcknowledgements(committed: 0, metadata: bytes)
        #expect(restored.ranges.count > 1_000)
        #expect(restored.ranges == Array(acknowledgements.ranges.prefix(restored.ranges.count)))
        // What did not fit counts as unacknowledged: redelivered, never lost.
        #expect(!restored.contains(19_999))
    }

    @Test func foreignOrDamagedMetadataMeansNoAcknowledgementBeyondTheOffset() {
        #expect(PartitionAcknowledgements(committed: 5, metadata: Array("hello".utf8)).ranges.isEmpty)
        #expect(PartitionAcknowledgements(committed: 5, metadata: Array("ack1:!!!".utf8)).ranges.isEmpty)
        #expect(PartitionAcknowledgements(committed: 5, metadata: Array("ack1:gA==".utf8)).ranges.isEmpty)
        #expect(PartitionAcknowledgements(committed: 5, metadata: []).ranges.isEmpty)
    }

    @Test func metadataWhoseRangesRunPastInt64IsForeignNotACrash() {
        // Commit metadata is whatever the group's last commit stored; ranges beyond Int64 cannot be ours.
        func metadata(_ numbers: [UInt64]) -> [UInt8] {
            var raw: [UInt8] = []
            for var value in numbers {
                while value >= 0x80 {
                    raw.append(UInt8(value & 0x7f) | 0x80)
                    value >>= 7
                }
                raw.append(UInt8(value))
            }
            return Array(("ack1:" + Data(raw).base64EncodedString()).utf8)
        }
        #expect(PartitionAcknowledgements(committed: .max - 10, metadata: metadata([100, 1])).ranges.isEmpty)
        #expect(PartitionAcknowledgements(committed: .max - 10, metadata: metadata([5, 100])).ranges.isEmpty)
        let large = UInt64(Int64.max / 4 - 1)
        #expect(
            PartitionAcknowledgements(committed: 0, metadata: metadata(Array(repeating: large, count: 6))).ranges
                .isEmpty
        )
        // Just inside the range still decodes.
        #expect(
            PartitionAcknowledgements(committed: .max - 10, metadata: metadata([5, 4])).ranges == [
                (.max - 5)..<(.max - 1)
            ]
        )
    }

    @Test func topicsMapByTheTemplateAndInvalidNamesFail() throws {
        let mapping = try KafkaTopicMapping()
        #expect(
            try mapping.kafkaTopic("persistent://krane-staging/tasks/orikami-events")
                == "krane-staging.tasks.orikami-events"
        )
        #expect(
            try mapping.kafkaTopic("persistent://krane-staging/tasks/orikami-events-composite-service-DLQ")
                == "krane-staging.tasks.orikami-events-composite-service-DLQ"
        )
        let custom = try KafkaTopicMapping(template: "krane_{namespace}_{topic}")
        #expect(
            try custom.kafkaTopic("persistent://p/experiments/radboud-events") == "krane_experiments_radboud-events"
        )
        #expect(throws: KafkaError.self) { try KafkaTopicMapping(template: "{tenant}.{namespace}") }
        #expect(throws: KafkaError.self) { try KafkaTopicMapping(template: "{tenant}/{topic}") }
        #expect(throws: KafkaError.self) { try mapping.kafkaTopic("persistent://a b/tasks/t-events") }
    }
}
