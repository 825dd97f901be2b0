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
}
