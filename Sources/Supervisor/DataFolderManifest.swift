import Foundation
import JSON

/// `fleet.json` in the data folder: records the partition count the folder was created with, because keys hash
/// to partitions by that count and a different count would silently move every user to another file.
struct DataFolderManifest: Sendable, Equatable {
    /// The file's name inside the data folder.
    static let fileName = "fleet.json"

    /// The partition count.
    var partitionCount: Int

    /// Why a data folder cannot be used.
    struct MismatchError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the folder's manifest, or writes one for a new folder; throws if the folder was made with another
    /// partition count or the manifest is unreadable.
    static func check(folder: String, partitionCount: Int) throws {
        let path = (folder as NSString).appendingPathComponent(fileName)
        if let data = FileManager.default.contents(atPath: path) {
            guard case .object(let object) = try? JSONParser.parse(Array(data)),
                case .number(let recorded) = object["partitions"]
            else {
                throw MismatchError(description: "\(path) is not a valid fleet manifest")
            }
            guard Int(exactly: recorded) == partitionCount else {
                throw MismatchError(
                    description:
                        "\(folder) was created with \(formatJSONNumber(recorded)) partitions, not \(partitionCount): "
                        + "start with --partitions \(formatJSONNumber(recorded)) (the count cannot change for a data folder)"
                )
            }
            return
        }
        var w = JSONWriter()
        w.beginObject()
        w.key("partitions")
        w.value(partitionCount)
        w.endObject()
        guard FileManager.default.createFile(atPath: path, contents: Data(w.bytes + [0x0A])) else {
            throw MismatchError(description: "cannot write \(path)")
        }
    }
}
