import NIOCore
import Testing

@testable import Gateway
@testable import GatewayCore

@Suite struct WebSocketMaskScannerTests {
    /// A client frame: masked unless told otherwise, with the 7-bit, 16-bit or 64-bit length form as needed.
    static func frame(opcode: UInt8 = 1, payload: Int, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [0x80 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload < 126 {
            bytes.append(maskBit | UInt8(payload))
        } else if payload < 65536 {
            bytes += [maskBit | 126, UInt8(payload >> 8), UInt8(payload & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8((UInt64(payload) >> UInt64(shift)) & 0xFF))
            }
        }
        if masked { bytes += [1, 2, 3, 4] }
        // Payload bytes that look like headers with the mask bit clear: the scanner must skip them, not read them.
        bytes += [UInt8](repeating: 0x01, count: payload)
        return bytes
    }

    @Test func maskedFramesOfEveryLengthFormPass() {
        var scanner = WebSocketMaskScanner()
        let stream =
            Self.frame(payload: 5) + Self.frame(payload: 300) + Self.frame(payload: 70_000)
            + Self.frame(opcode: 9, payload: 0)
        let passed = scanner.scan(stream)
        #expect(passed)
        #expect(!scanner.violated)
    }

    @Test func anUnmaskedFrameAfterMaskedOnesIsCaught() {
        var scanner = WebSocketMaskScanner()
        let passed = scanner.scan(Self.frame(payload: 200) + Self.frame(payload: 3, masked: false))
        #expect(!passed)
        #expect(scanner.violated)
        // Once violated it stays so.
        let later = scanner.scan(Self.frame(payload: 1))
        #expect(!later)
    }

    @Test func framesSplitAtEveryByteAreFollowed() {
        let stream = Self.frame(payload: 130) + Self.frame(payload: 70_000) + Self.frame(payload: 2, masked: false)
        var scanner = WebSocketMaskScanner()
        var verdicts: [Bool] = []
        for byte in stream { verdicts.append(scanner.scan([byte])) }
        // Every byte up to the bad frame's second header byte passes; that byte fails.
        let bad = stream.count - (2 + 2)
        #expect(verdicts[..<(bad + 1)].allSatisfy { $0 })
        #expect(verdicts[bad + 1] == false)
    }

    @Test func bytesAfterAnUpgradeHeaderAreFound() {
        let request = Array("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n".utf8)
        let frame = Self.frame(payload: 3)
        let buffer = ByteBuffer(bytes: request + frame)
        #expect(ConnectionGuard.bytesAfterHeader(buffer).map { Array($0.readableBytesView) } == frame)
        #expect(ConnectionGuard.bytesAfterHeader(ByteBuffer(bytes: request)) == nil)
        // The header's end began in an earlier read.
        let tail = ByteBuffer(bytes: Array("\n\r\n".utf8) + frame)
        #expect(ConnectionGuard.bytesAfterHeader(tail).map { Array($0.readableBytesView) } == frame)
    }
}
