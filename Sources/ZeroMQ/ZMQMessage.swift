/// One multipart message: its frames, in order; frames may be empty.
public typealias ZMQMessage = [[UInt8]]
