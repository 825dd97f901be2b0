import Foundation

/// A `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…` URL, parsed. Its description hides the
/// password.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, certificate verified. The default, as in libpq.
        case prefer
        /// TLS required, certificate verified against the trust roots, hostname not checked.
        case require
        /// TLS required, certificate and hostname verified.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var tls: TLSMode
    /// A PEM file of trusted CA certificates (`sslrootcert`); the system's roots when absent.
    public var rootCertificate: String?

    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// What the operator should know at start: `sslmode=prefer` (the default) silently falls back to plain text
    /// when the server offers no TLS, and patient ids and birth dates would then cross the network unencrypted.
    public var warnings: [String] {
        guard self.tls == .prefer else { return [] }
        return [
            "PATIENT_DIRECTORY uses sslmode=prefer: if the server offers no TLS, patient ids and birth dates travel in "
                + "plain text; set sslmode=verify-full (or require, or disable on a trusted local socket)"
        ]
    }

    /// Parses the URL; errors name the key, never the password.
    public init(_ text: String, key: String) throws(ServiceError) {
        func fail(_ message: String) -> ServiceError {
            ServiceError(.invalidConfiguration, "invalid configuration: \(key) \(message)")
        }
        guard Self.isPostgres(text), let components = URLComponents(string: text), let host = components.host,
            !host.isEmpty
        else { throw fail("must be postgres://user:password@host:port/database") }
        guard let user = components.user, !user.isEmpty else { throw fail("names no user") }
        self.host = host
        self.port = components.port ?? 5432
        // URLComponents has already decoded them once; a second decoding would turn `%2541` into `A`.
        self.username = user
        self.password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        self.tls = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable": self.tls = .disable
                case "allow", "prefer": self.tls = .prefer
                case "require", "verify-ca": self.tls = .require
                case "verify-full": self.tls = .verifyFull
                default:
                    throw fail(
                        "sslmode must be disable, prefer, require, verify-ca or verify-full, got \"\(item.value ?? "")\""
                    )
                }
            case "sslrootcert":
                self.rootCertificate = item.value
            default:
                throw fail("has an unknown parameter \"\(item.name)\" (sslmode, sslrootcert)")
            }
        }
    }

    public var description: String {
        "postgres://\(self.username)\(self.password == nil ? "" : ":***")@\(self.host):\(self.port)/\(self.database ?? "")?sslmode=\(self.tls.rawValue)"
    }
}
