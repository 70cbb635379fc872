// Whether a URI could have come from an RFC 6570 URI template, so a resources/read for a
// URI no list names can still be routed to the server whose template produces it.
// Matching only (no expansion); operators are honoured loosely, never too strictly.

const EXPRESSION = /\{([+#./;?&]?)[^}]*\}/g;

export function templateMatches(template: string, uri: string): boolean {
  return compile(template).test(uri);
}

const compiled = new Map<string, RegExp>();

function compile(template: string): RegExp {
  let regex = compiled.get(template);
  if (regex) return regex;
  let source = "^";
  let last = 0;
  for (const match of template.matchAll(EXPRESSION)) {
    source += escape(template.slice(last, match.index));
    source += pattern(match[1] ?? "");
    last = match.index + match[0].length;
  }
  source += escape(template.slice(last)) + "$";
  regex = new RegExp(source, "s");
  if (compiled.size > 1000) compiled.clear();
  compiled.set(template, regex);
  return regex;
}

function pattern(operator: string): string {
  switch (operator) {
    case "":
      return "[^/?#]*";
    case "+":
    case "#":
      return ".*";
    case "?":
    case "&":
    case ";":
      return "(?:[?&;].*)?";
    default:
      return `(?:\\${operator}[^/?#]*)*`;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
