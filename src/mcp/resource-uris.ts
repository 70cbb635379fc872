// Resource URIs as policy may judge them. Policy globs match URIs, and an upstream may
// percent-decode a URI's path, take `\` for `/` and resolve `.` and `..` segments, so a
// path it would read otherwise than as written could climb out of an allowed tree
// (`file:///public/..%2Fprivate%2Fx`). Such paths are refused outright: any `.` or `..`
// segment, backslash or encoded `/`, literal or percent-encoded (even twice). Every other
// URI is judged both as written and fully decoded, so an encoded letter cannot slip past a
// deny rule either. Pure.

/** Percent-encoding nested deeper than this (`%25252F`) is decoded no further, and refused. */
const MAX_DECODING_ROUNDS = 4;

/** Why a URI's path is ambiguous to an upstream; undefined when it is not. */
export function pathProblem(uri: string): string | undefined {
  const path = pathOf(uri);
  const decoded = fullyDecoded(path);
  if (decoded === undefined) return "percent-encoding nested too deep";
  if (decoded.includes("\\")) return "a backslash, literal or percent-encoded";
  if (decoded.split("/").length !== path.split("/").length) return "a percent-encoded '/'";
  if (decoded.split("/").some((segment) => segment === "." || segment === ".."))
    return "'.' or '..' segments, literal or percent-encoded";
  return undefined;
}

/** The URI with its percent-encoding decoded (as an upstream would read it); itself when there is none. */
export function decodedUri(uri: string): string {
  return fullyDecoded(uri) ?? uri;
}

function pathOf(uri: string): string {
  const end = uri.search(/[?#]/);
  return end === -1 ? uri : uri.slice(0, end);
}

function fullyDecoded(text: string): string | undefined {
  let current = text;
  for (let round = 0; round < MAX_DECODING_ROUNDS; round++) {
    if (!current.includes("%")) return current;
    const next = decodeOnce(current);
    if (next === current) return current;
    current = next;
  }
  return current.includes("%") && decodeOnce(current) !== current ? undefined : current;
}

/** One round of percent-decoding: UTF-8 where the escapes form it, byte by byte where they do not. */
function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-fA-F]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
