import CompositeCore

extension ScorerInput {
    /// How the input is named in a rejection: its id and where its value comes from.
    var label: String {
        switch self.source {
        case .feature(let name): "Input \(self.id) (feature \(name))"
        case .attribute(let name): "Input \(self.id) (attribute \(name))"
        }
    }

    /// The range as written in messages, for example `0 to 6`.
    var rangeText: String? {
        self.range.map {
            "\(NumericValue.formatted(bound: $0.lowerBound)) to \(NumericValue.formatted(bound: $0.upperBound))"
        }
    }

    /// Takes this input's value from what the engine supplied, refusing anything that would make the score a guess.
    ///
    /// An integer input's value is returned as `.integer`, so integral decimals such as `5.0` keep the arithmetic
    /// exact.
    func read(
        features: [String: NumericValue?],
        attributes: [String: NumericValue]
    ) throws(ScoringRejection) -> NumericValue {
        let raw: NumericValue
        switch self.source {
        case .feature(let name):
            guard let entry = features[name] else {
                throw ScoringRejection("\(self.label) is missing: no score was given for it.")
            }
            guard let value = entry else {
                throw ScoringRejection("\(self.label) is null: the component has no score.")
            }
            raw = value
        case .attribute(let name):
            guard let value = attributes[name] else {
                throw ScoringRejection("\(self.label) is missing: the patient attribute is unknown.")
            }
            raw = value
        }
        let value: NumericValue
        switch self.type {
        case .integer:
            guard let integer = raw.exactInteger else {
                // A whole value beyond 2^53 (a 30-digit score, say) is whole but cannot be read exactly.
                let whole = raw.doubleValue.isFinite && raw.doubleValue.rounded(.towardZero) == raw.doubleValue
                guard whole else { throw ScoringRejection("\(self.label) is \(raw.formatted), not a whole number.") }
                throw ScoringRejection(
                    "\(self.label) is \(raw.formatted), out of range"
                        + (self.rangeText.map { ": its valid range is \($0)." } ?? " for a whole number.")
                )
            }
            value = .integer(integer)
        case .number:
            guard raw.doubleValue.isFinite else {
                throw ScoringRejection("\(self.label) is \(raw.formatted), not a finite number.")
            }
            value = raw
        }
        if let range = self.range, let rangeText = self.rangeText, !range.contains(value.doubleValue) {
            throw ScoringRejection("\(self.label) is \(raw.formatted), outside its valid range \(rangeText).")
        }
        return value
    }
}
