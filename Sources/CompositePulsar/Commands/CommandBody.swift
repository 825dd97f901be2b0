/// A command body: encodes itself as its `BaseCommand` field and decodes from one.
protocol CommandBody: Sendable, Equatable {
    func encode(into writer: inout ProtoWriter)
    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError)
}

/// A required field was absent: the peer sent a command this client cannot act on.
func required<T>(_ value: T?, _ field: String, in command: String) throws(PulsarError) -> T {
    guard let value else { throw PulsarError.malformed("\(command) without its required field \(field)") }
    return value
}

/// `AuthData`: an authentication method's name and its credentials.
struct AuthData: Sendable, Equatable {
    var methodName: String?
    var data: [UInt8]

    func encode(into writer: inout ProtoWriter) {
        if let methodName { writer.string(1, methodName) }
        writer.bytes(2, self.data)
    }

    init(methodName: String?, data: [UInt8]) {
        self.methodName = methodName
        self.data = data
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.methodName = nil
        self.data = []
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: self.methodName = value.string
            case 2: self.data = Array(value.data ?? [])
            default: break
            }
        }
    }
}

/// `KeyValue` pairs (message properties), in wire order.
enum KeyValues {
    static func encode(_ properties: [String: String], field: Int, into writer: inout ProtoWriter) {
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            writer.message(field) {
                $0.string(1, key)
                $0.string(2, value)
            }
        }
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(PulsarError) -> (String, String) {
        var key = ""
        var value = ""
        try ProtoReader.forEachField(in: bytes) { (field, item) throws(PulsarError) in
            if field == 1 { key = item.string ?? "" }
            if field == 2 { value = item.string ?? "" }
        }
        return (key, value)
    }
}
