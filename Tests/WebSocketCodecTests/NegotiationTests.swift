import Testing
@testable import RingwayWebSocketCodec

/// One `Sec-WebSocket-Extensions` offer and what the server should answer.
struct NegotiationCase: CustomTestStringConvertible, Sendable {
    var offer: String
    var configuration = PerMessageDeflate.Configuration()
    /// nil: declined.
    var response: String?
    var serverNoContextTakeover = false
    var clientNoContextTakeover = false
    var serverMaxWindowBits = 15

    var testDescription: String { offer.isEmpty ? "(empty)" : offer }
}

let acceptedOffers: [NegotiationCase] = [
    .init(offer: "permessage-deflate", response: "permessage-deflate"),
    .init(offer: "permessage-deflate; client_max_window_bits", response: "permessage-deflate"),
    .init(offer: "permessage-deflate; client_max_window_bits=10", response: "permessage-deflate"),
    .init(offer: "permessage-deflate; server_no_context_takeover", response: "permessage-deflate; server_no_context_takeover", serverNoContextTakeover: true),
    .init(offer: "permessage-deflate; client_no_context_takeover", response: "permessage-deflate; client_no_context_takeover", clientNoContextTakeover: true),
    .init(offer: "permessage-deflate; server_max_window_bits=8", response: "permessage-deflate; server_max_window_bits=8", serverMaxWindowBits: 8),
    .init(offer: "permessage-deflate; server_max_window_bits=12", response: "permessage-deflate; server_max_window_bits=12", serverMaxWindowBits: 12),
    .init(offer: "permessage-deflate; server_max_window_bits=15", response: "permessage-deflate; server_max_window_bits=15"),
    .init(offer: "permessage-deflate; server_max_window_bits=\"10\"", response: "permessage-deflate; server_max_window_bits=10", serverMaxWindowBits: 10),
    .init(
        offer: "permessage-deflate; client_max_window_bits=9; server_max_window_bits=9; client_no_context_takeover; server_no_context_takeover",
        response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
        serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9
    ),
    .init(
        offer: "permessage-deflate;server_no_context_takeover;client_no_context_takeover",
        response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        serverNoContextTakeover: true, clientNoContextTakeover: true
    ),
    .init(offer: "  permessage-deflate \t;  client_max_window_bits  ", response: "permessage-deflate"),
    .init(offer: "PerMessage-Deflate; Server_No_Context_Takeover", response: "permessage-deflate; server_no_context_takeover", serverNoContextTakeover: true),
    // The server may force server_no_context_takeover.
    .init(offer: "permessage-deflate", configuration: .init(serverNoContextTakeover: true), response: "permessage-deflate; server_no_context_takeover", serverNoContextTakeover: true),
    // Several offers: the first acceptable one wins.
    .init(offer: "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits", response: "permessage-deflate"),
    .init(offer: "permessage-deflate; server_max_window_bits=10, permessage-deflate", response: "permessage-deflate; server_max_window_bits=10", serverMaxWindowBits: 10),
    .init(offer: "permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover", response: "permessage-deflate; client_no_context_takeover", clientNoContextTakeover: true),
    .init(offer: "permessage-deflate; foo, permessage-deflate", response: "permessage-deflate"),
    .init(offer: "permessage-deflate; x=\"a,b\", permessage-deflate; server_max_window_bits=11", response: "permessage-deflate; server_max_window_bits=11", serverMaxWindowBits: 11),
    .init(offer: "permessage-deflate;; bad, permessage-deflate", response: "permessage-deflate"),
    .init(offer: ",, permessage-deflate ,", response: "permessage-deflate"),
]

let declinedOffers: [NegotiationCase] = [
    .init(offer: ""),
    .init(offer: "x-webkit-deflate-frame"),
    .init(offer: "permessage-deflate-x"),
    .init(offer: "permessage-deflate", configuration: .init(enabled: false)),
    .init(offer: "permessage-deflate; server_max_window_bits"),
    .init(offer: "permessage-deflate; server_max_window_bits=7"),
    .init(offer: "permessage-deflate; server_max_window_bits=16"),
    .init(offer: "permessage-deflate; server_max_window_bits=08"),
    .init(offer: "permessage-deflate; server_max_window_bits=+9"),
    .init(offer: "permessage-deflate; server_max_window_bits=abc"),
    .init(offer: "permessage-deflate; server_max_window_bits="),
    .init(offer: "permessage-deflate; server_max_window_bits=\"10"),
    .init(offer: "permessage-deflate; client_max_window_bits=7"),
    .init(offer: "permessage-deflate; client_max_window_bits=16"),
    .init(offer: "permessage-deflate; client_max_window_bits=010"),
    .init(offer: "permessage-deflate; server_no_context_takeover=1"),
    .init(offer: "permessage-deflate; client_no_context_takeover=true"),
    .init(offer: "permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
    .init(offer: "permessage-deflate; client_max_window_bits; client_max_window_bits=10"),
    .init(offer: "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10"),
    .init(offer: "permessage-deflate; unknown_parameter"),
    .init(offer: "permessage-deflate;"),
    .init(offer: "permessage-deflate client_no_context_takeover"),
    .init(offer: "permessage-deflate; =9"),
    .init(offer: "; permessage-deflate"),
]

/// RFC 7692 §7.1 negotiation: each parameter, their combinations, several offers, declines.
@Suite struct NegotiationTests {
    @Test(arguments: acceptedOffers)
    func accepted(testCase: NegotiationCase) throws {
        let (response, deflate) = try #require(PerMessageDeflate.negotiate(offer: testCase.offer, configuration: testCase.configuration))
        #expect(response == testCase.response)
        #expect(deflate.serverNoContextTakeover == testCase.serverNoContextTakeover)
        #expect(deflate.clientNoContextTakeover == testCase.clientNoContextTakeover)
        #expect(deflate.serverMaxWindowBits == testCase.serverMaxWindowBits)
        #expect(deflate.threshold == testCase.configuration.threshold)
        #expect(deflate.maxDecompressedBytes == testCase.configuration.maxDecompressedBytes)
        // The answer is itself an acceptable offer that negotiates to the same parameters.
        let (again, _) = try #require(PerMessageDeflate.negotiate(offer: response, configuration: .init()))
        #expect(again == response)
    }

    @Test(arguments: declinedOffers)
    func declined(testCase: NegotiationCase) {
        #expect(PerMessageDeflate.negotiate(offer: testCase.offer, configuration: testCase.configuration) == nil)
    }

    @Test func configurationCarriesOver() throws {
        let configuration = PerMessageDeflate.Configuration(threshold: 1, serverNoContextTakeover: false, maxDecompressedBytes: 4096)
        let (_, deflate) = try #require(PerMessageDeflate.negotiate(offer: "permessage-deflate", configuration: configuration))
        #expect(deflate.threshold == 1)
        #expect(deflate.maxDecompressedBytes == 4096)
    }

    /// Every combination of the four parameters, in both orders.
    @Test func everyParameterCombination() throws {
        for mask in 0..<16 {
            var parameters: [String] = []
            if mask & 1 != 0 { parameters.append("server_no_context_takeover") }
            if mask & 2 != 0 { parameters.append("client_no_context_takeover") }
            if mask & 4 != 0 { parameters.append("server_max_window_bits=11") }
            if mask & 8 != 0 { parameters.append("client_max_window_bits") }
            for order in [parameters, parameters.reversed()] {
                let offer = (["permessage-deflate"] + order).joined(separator: "; ")
                let (response, deflate) = try #require(PerMessageDeflate.negotiate(offer: offer, configuration: .init()))
                #expect(deflate.serverNoContextTakeover == (mask & 1 != 0))
                #expect(deflate.clientNoContextTakeover == (mask & 2 != 0))
                #expect(deflate.serverMaxWindowBits == (mask & 4 != 0 ? 11 : 15))
                #expect(response.contains("server_no_context_takeover") == (mask & 1 != 0), "\(offer)")
                #expect(response.contains("client_no_context_takeover") == (mask & 2 != 0), "\(offer)")
                #expect(response.contains("server_max_window_bits=11") == (mask & 4 != 0), "\(offer)")
                #expect(!response.contains("client_max_window_bits"))
            }
        }
    }
}
