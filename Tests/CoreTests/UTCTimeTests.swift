#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingwayCore
import Testing

@Suite("UTCTime: calendar fields and IMF-fixdate without gmtime")
struct UTCTimeTests {
    @Test("RFC 9110's example and the epoch")
    func knownDates() {
        #expect(UTCTime(secondsSince1970: 784_111_777).imfFixdate == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(UTCTime(secondsSince1970: 0).imfFixdate == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(UTCTime(secondsSince1970: -1).imfFixdate == "Wed, 31 Dec 1969 23:59:59 GMT")
    }

    @Test("every field agrees with gmtime_r from year 1 to 9999, leap days included")
    func agreesWithGmtime() {
        var generator = SystemRandomNumberGenerator()
        var samples: [Int64] = [951_782_400, 4_107_542_400, -2_203_891_200, 253_402_300_799, -62_135_596_800]  // 2000-02-29, 2100-03-01, 1900-02-28, bounds
        for _ in 0..<2_000 { samples.append(Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator)) }
        for seconds in samples {
            var clock = time_t(seconds)
            var parts = tm()
            gmtime_r(&clock, &parts)
            let time = UTCTime(secondsSince1970: seconds)
            #expect([time.year, time.month, time.day, time.hour, time.minute, time.second, time.weekday]
                == [Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
                    Int(parts.tm_min), Int(parts.tm_sec), Int(parts.tm_wday)], "\(seconds)")
        }
    }
}
