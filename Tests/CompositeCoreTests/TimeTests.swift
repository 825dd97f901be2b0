import CompositeCore
import Testing

@Suite struct TimeTests {
    @Test func parsesThePlatformsTimestampsAndWritesThemBack() throws {
        let time = try #require(Timestamp(iso8601: "2023-10-13T08:51:55.206Z"))
        #expect(time.millisecondsSinceEpoch == 1_697_187_115_206)
        #expect(time.description == "2023-10-13T08:51:55.206Z")
        #expect(Timestamp(iso8601: "2023-10-13T10:51:55.2+02:00")?.description == "2023-10-13T08:51:55.200Z")
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59.999Z")?.millisecondsSinceEpoch == -1)
        #expect(Timestamp(iso8601: "2023-10-13T08:51:55Z")?.description == "2023-10-13T08:51:55.000Z")
    }

    @Test(arguments: ["2023-10-13", "2023-13-01T00:00:00Z", "2023-02-30T00:00:00Z", "2023-10-13T08:51:55", "x"])
    func rejectsWhatIsNotATimestamp(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func agesAreCompletedYearsWithTheBirthdayCounting() throws {
        let birth = try #require(CivilDate(iso8601: "1948-03-02"))
        #expect(birth.completedYears(on: try #require(CivilDate(iso8601: "2024-03-01"))) == 75)
        #expect(birth.completedYears(on: try #require(CivilDate(iso8601: "2024-03-02"))) == 76)
        let leap = try #require(CivilDate(iso8601: "1944-02-29"))
        #expect(leap.completedYears(on: try #require(CivilDate(iso8601: "2023-02-28"))) == 78)
        #expect(leap.completedYears(on: try #require(CivilDate(iso8601: "2023-03-01"))) == 79)
    }

    @Test func instantsAtTheEndsOfInt64AreDescribedWithoutOverflow() {
        // Times come from messages; any Int64 must print (in a log line, say) rather than trap.
        #expect(Timestamp(millisecondsSinceEpoch: .min + 1).description == "-292275055-05-16T16:47:04.193Z")
        #expect(Timestamp(millisecondsSinceEpoch: .max - 1).description == "292278994-08-17T07:12:55.806Z")
        #expect(Timestamp(millisecondsSinceEpoch: .min + 1).civilDate.year == -292_275_055)
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: -86_400_000).description == "1969-12-31T00:00:00.000Z")
    }

    @Test func civilDatesRoundTripThroughDayNumbers() throws {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(CivilDate(year: date.year, month: date.month, day: date.day) == date)
        }
        #expect(CivilDate(iso8601: "2023-02-29") == nil)
        #expect(Timestamp(iso8601: "2023-10-13T23:59:59.999Z")?.civilDate == CivilDate(iso8601: "2023-10-13"))
    }
}
