import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` into the target before every build: the commit the sources were built from (short
/// hash, `-modified` when the work tree differs from it), or `unknown` outside a git checkout. The file is rewritten
/// only when the text changes, so an unchanged tree does not recompile the target.
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildCommit.swift")
        let package = context.package.directoryURL.path
        let script = """
            c=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || c=unknown
            if [ "$c" != unknown ] && ! git -C "$1" diff --quiet HEAD -- 2>/dev/null; then c="$c-modified"; fi
            t="$2.tmp"
            printf '/// The commit this executable was built from (written by the VersionStamp plugin).\\n' > "$t"
            printf 'let buildCommit = "%s"\\n' "$c" >> "$t"
            if cmp -s "$t" "$2"; then rm -f "$t"; else mv "$t" "$2"; fi
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the build's git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", package, output.path],
                outputFilesDirectory: context.pluginWorkDirectoryURL)
        ]
    }
}
