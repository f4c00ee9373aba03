extension Envelope {
    /// Encodes the header frame.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: WireConstants.fixedHeaderSize + origin.utf8.count)
        w.write(WireConstants.magic.0)
        w.write(WireConstants.magic.1)
        w.write(WireConstants.version)
        w.write(kind.rawValue)
        w.write(product.rawValue)
        w.write(status.rawValue)
        w.write(partition)
        w.write(epoch)
        w.write(correlation)
        w.write(sequence)
        let originBytes = Array(origin.utf8.prefix(WireConstants.maxOriginLength))
        w.write(UInt8(originBytes.count))
        w.write(contentsOf: originBytes)
        return w.bytes
    }

    /// Decodes a header frame, rejecting anything the protocol does not allow.
    package init(decoding frame: [UInt8]) throws(WireError) {
        var r = ByteReader(frame)
        guard frame.count >= WireConstants.fixedHeaderSize else {
            throw WireError(.truncated, "header of \(frame.count) bytes")
        }
        guard try r.readByte() == WireConstants.magic.0, try r.readByte() == WireConstants.magic.1 else {
            throw WireError(.badMagic, "header does not start with SY")
        }
        let version = try r.readByte()
        guard version == WireConstants.version else { throw WireError(.unsupportedVersion, "version \(version)") }
        let kindByte = try r.readByte()
        guard let kind = MessageKind(rawValue: kindByte) else { throw WireError(.unknownKind, "kind \(kindByte)") }
        let productByte = try r.readByte()
        guard let product = ProductCode(rawValue: productByte) else {
            throw WireError(.unknownProduct, "product \(productByte)")
        }
        let statusByte = try r.readByte()
        guard let status = ReplyStatus(rawValue: statusByte) else {
            throw WireError(.unknownStatus, "status \(statusByte)")
        }
        let partition = try r.readUInt16()
        let epoch = try r.readUInt64()
        let correlation = try r.readUInt64()
        let sequence = try r.readUInt64()
        let originLength = Int(try r.readByte())
        guard originLength > 0, originLength <= WireConstants.maxOriginLength else {
            throw WireError(.badOrigin, "origin length \(originLength)")
        }
        guard r.remaining == originLength else {
            throw WireError(.badLength, "origin length \(originLength), \(r.remaining) bytes left")
        }
        let originBytes = try r.readBytes(originLength)
        guard let origin = String(validating: originBytes, as: UTF8.self), Envelope.isValidOrigin(origin) else {
            throw WireError(.badOrigin, "origin is not [A-Za-z0-9._-]+")
        }
        self.init(
            kind: kind, product: product, status: status, partition: partition, epoch: epoch,
            correlation: correlation, sequence: sequence, origin: origin)
    }

    /// Whether `id` may name a process on the wire: 1–64 bytes of `[A-Za-z0-9._-]`.
    package static func isValidOrigin(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= WireConstants.maxOriginLength else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F
                || b == 0x2D
        }
    }

    /// The PUB/SUB topic frame that carries `product`'s events to every gateway: `E/<product code>/`.
    package static func eventTopic(for product: ProductCode) -> [UInt8] {
        WireConstants.eventTopicPrefix + Array(String(product.rawValue).utf8) + [0x2F]
    }

    /// The PUB/SUB topic frame that carries replies to the process `origin`: `R/<origin>/`.
    package static func replyTopic(for origin: String) -> [UInt8] {
        WireConstants.replyTopicPrefix + Array(origin.utf8) + [0x2F]
    }
}
