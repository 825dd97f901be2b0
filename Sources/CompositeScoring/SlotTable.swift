/// The named values a scorer computes with, in slot order: the inputs, then the points.
struct SlotTable {
    private(set) var scope = ExpressionScope()
    /// What each slot's values can be, for type checks and band coverage.
    private(set) var domains: [NumericDomain] = []
    /// Whether each slot is an input, whose range the author declared (points' ranges are estimated).
    private(set) var isInput: [Bool] = []
    private var definitions: [String: String] = [:]

    /// The field path where `id` was defined, if it was.
    func definition(of id: String) -> String? {
        self.definitions[id]
    }

    mutating func define(_ id: String, domain: NumericDomain, isInput: Bool, path: String) {
        self.scope.define(id)
        self.domains.append(domain)
        self.isInput.append(isInput)
        self.definitions[id] = path
    }

    var analyzer: ExpressionAnalyzer {
        ExpressionAnalyzer(slotDomains: self.domains)
    }
}
