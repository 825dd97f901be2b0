import CompositeCore

/// The executable form of a scorer file: point rules, the score and the interpretation table, with every name already
/// bound to a value slot (the inputs first, in declaration order, then the points).
struct ScoringProgram: Sendable {
    /// How one point value is computed.
    enum Rule: Sendable {
        /// The outcome of the first band that contains the value in `slot` (an input or an earlier point).
        case bands(slot: Int, name: String, [Band<NumericValue>])
        case expression(Expression)
    }

    struct Point: Sendable {
        let id: String
        let rule: Rule
    }

    let points: [Point]
    let score: Expression
    let interpretation: [Band<String>]

    /// Computes the points, the score and its interpretation from validated input values.
    func run(inputs: [NumericValue]) throws(ScoringRejection) -> (score: NumericValue, interpretation: String) {
        var values = inputs
        values.reserveCapacity(inputs.count + self.points.count)
        for point in self.points {
            switch point.rule {
            case .bands(let slot, let name, let bands):
                guard let outcome = bands.firstOutcome(for: values[slot]) else {
                    throw ScoringRejection(
                        "Points \(point.id) cannot be computed: no band matches \(name) = \(values[slot].formatted)."
                    )
                }
                values.append(outcome)
            case .expression(let expression):
                do throws(EvaluationError) {
                    values.append(try expression.number(in: values))
                } catch {
                    throw ScoringRejection("Points \(point.id) cannot be computed: \(error.explanation).")
                }
            }
        }
        let score: NumericValue
        do throws(EvaluationError) {
            score = try self.score.number(in: values)
        } catch {
            let explanation =
                self.score.column == 0 ? "\(error.explanation) in the sum of the points" : error.explanation
            throw ScoringRejection("The score cannot be computed: \(explanation).")
        }
        guard let interpretation = self.interpretation.firstOutcome(for: score) else {
            throw ScoringRejection("The score \(score.formatted) matches no interpretation band.")
        }
        return (score, interpretation)
    }
}
