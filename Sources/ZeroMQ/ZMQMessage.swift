/// One multipart message: its frames, in order; frames may be empty.
package typealias ZMQMessage = [[UInt8]]
