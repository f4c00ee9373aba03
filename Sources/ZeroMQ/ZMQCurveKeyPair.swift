internal import CZeroMQ

/// A CURVE key pair in Z85 text (40 characters each), as libzmq takes it in `ZMQ_CURVE_*` options and as it is
/// stored in key files (docs/operations.md, "Fleet keys").
package struct ZMQCurveKeyPair: Sendable, Hashable {
    /// The public key: handed to peers (and to the fleet's list of known keys).
    package let publicKey: String
    /// The secret key: never leaves its process's key file.
    package let secretKey: String

    /// A new key pair from libzmq's CSPRNG (`zmq_curve_keypair`).
    package static func generate() throws(ZMQError) -> ZMQCurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try zmqCall(where: "zmq_curve_keypair") { zmq_curve_keypair(&publicKey, &secretKey) }
        return ZMQCurveKeyPair(
            publicKey: String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secretKey: String(decoding: secretKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The pair of `secretKey`, its public key derived (`zmq_curve_public`); throws `EINVAL` for a string that is
    /// not a Z85 key.
    package init(secretKey: String) throws(ZMQError) {
        guard Self.binary(secretKey) != nil else {
            throw ZMQError(code: EINVAL, operation: "zmq_curve_public (not a 40-character Z85 key)")
        }
        var publicKey = [CChar](repeating: 0, count: 41)
        try zmqCall(where: "zmq_curve_public") { zmq_curve_public(&publicKey, secretKey) }
        self.init(
            publicKey: String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secretKey: secretKey)
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Whether `key` is a Z85 CURVE key (40 characters that decode to 32 bytes).
    package static func isKey(_ key: String) -> Bool { binary(key) != nil }

    /// The 32 bytes of a Z85 key, or nil; ZAP carries keys in this form.
    package static func binary(_ key: String) -> [UInt8]? {
        let text = Array(key.utf8)
        guard text.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        let decoded = (text + [0]).withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { zmq_z85_decode(&bytes, $0.baseAddress) }
        }
        return decoded == nil ? nil : bytes
    }

    /// The Z85 text of 32 key bytes.
    package static func text(_ binary: [UInt8]) -> String? {
        guard binary.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, binary, 32) != nil else { return nil }
        return String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
