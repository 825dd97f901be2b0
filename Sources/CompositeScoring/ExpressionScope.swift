/// The names an expression may use: the inputs and the points defined before it, each bound to a value slot.
struct ExpressionScope: Sendable {
    private(set) var slots: [String: Int] = [:]
    /// Names in definition order, for suggestions.
    private(set) var names: [String] = []
    /// Points defined after the expression being read, so using one can be explained rather than called unknown.
    var laterNames: Set<String> = []

    init(names: [String] = []) {
        for name in names {
            self.define(name)
        }
    }

    /// Binds `name` to the next slot.
    mutating func define(_ name: String) {
        self.slots[name] = self.names.count
        self.names.append(name)
        self.laterNames.remove(name)
    }
}
