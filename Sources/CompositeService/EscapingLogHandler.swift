public import Logging

/// Wraps a text log handler (swift-log's `StreamLogHandler`) so that the message, every metadata key and value, the
/// provider's metadata and an attached error reach it with control characters escaped (``LogEscaping``): a value
/// holding a newline cannot forge a log line.
public struct EscapingLogHandler: LogHandler {
    private var inner: any LogHandler
    /// Applied here rather than by the wrapped handler, so that what it provides is escaped too.
    public var metadataProvider: Logger.MetadataProvider?

    public init(wrapping inner: any LogHandler) {
        var inner = inner
        self.metadataProvider = inner.metadataProvider
        inner.metadataProvider = nil
        inner.metadata = LogEscaping.escaped(inner.metadata)
        self.inner = inner
    }

    public var logLevel: Logger.Level {
        get { self.inner.logLevel }
        set { self.inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { self.inner.metadata }
        set { self.inner.metadata = LogEscaping.escaped(newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.inner[metadataKey: LogEscaping.escaped(key)] }
        set { self.inner[metadataKey: LogEscaping.escaped(key)] = newValue.map(LogEscaping.escaped) }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(LogEscaping.escaped(event.message.description))"
        var metadata = self.metadataProvider?.get() ?? [:]
        metadata.merge(event.metadata ?? [:]) { _, explicit in explicit }
        if let error = event.error {
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
            event.error = nil
        }
        event.metadata = metadata.isEmpty ? nil : LogEscaping.escaped(metadata)
        self.inner.log(event: event)
    }
}
