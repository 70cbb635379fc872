// Whether a resource URI's path has `.` or `..` segments, spelled literally or
// percent-encoded. Policy globs match URIs as written, and an upstream may normalize
// `items/../secret` to `secret`, so such URIs are refused rather than matched.

export function hasDotSegments(uri: string): boolean {
  const end = uri.search(/[?#]/);
  const path = end === -1 ? uri : uri.slice(0, end);
  return path.split("/").some((segment) => {
    const decoded = segment.replace(/%2e/gi, ".");
    return decoded === "." || decoded === "..";
  });
}
