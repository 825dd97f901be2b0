public import CompositeCore

/// The part of a `CompositeScoreGenerated` message that statistics use.
public struct CompositeResultRecord: Sendable, Hashable {
    public var resultID: String
    public var featureID: String
    /// `nil` for error results (and any result published without a score).
    public var score: Double?
    /// `nil` for error results.
    public var interpretation: String?
    /// The broker publish time, which selects the summary's time range.
    public var publishTime: Timestamp

    public init(resultID: String, featureID: String, score: Double?, interpretation: String?, publishTime: Timestamp) {
        self.resultID = resultID
        self.featureID = featureID
        self.score = score
        self.interpretation = interpretation
        self.publishTime = publishTime
    }

    /// Reads a message of an experiments topic; `nil` for anything but a well-formed `CompositeScoreGenerated`.
    public init?(payload: [UInt8], publishTime: Timestamp) {
        guard let json = try? JSONParser.parse(payload), json["name"]?.stringValue == "CompositeScoreGenerated",
            let data = json["data"], let resultID = data["resultId"]?.stringValue,
            let featureID = data["featureId"]?.stringValue
        else { return nil }
        var score: Double?
        if case .number(let number)? = data["score"] { score = number.doubleValue }
        self.init(
            resultID: resultID,
            featureID: featureID,
            score: score,
            interpretation: data["interpretation"]?.stringValue,
            publishTime: publishTime
        )
    }

    /// The record as a `CompositeScoreGenerated` message of `tenant` (for demos and tests; the service publishes its
    /// own results with more fields). Error results get a generic `error` sentence.
    public func payload(tenant: String) -> [UInt8] {
        var data = JSONObject()
        data.append("resultId", .string(self.resultID))
        data.append("featureId", .string(self.featureID))
        data.append("score", self.score.map { .number(.decimal($0)) } ?? .null)
        data.append("interpretation", self.interpretation.map(JSONValue.string) ?? .null)
        data.append("error", self.interpretation == nil ? .string("The composite could not be scored.") : .null)
        return JSONWriter.encode(
            .object(
                JSONObject([
                    (key: "name", value: .string("CompositeScoreGenerated")),
                    (key: "version", value: .string("v2")),
                    (key: "tenant", value: .string(tenant)),
                    (key: "data", value: .object(data)),
                ])
            )
        )
    }
}
