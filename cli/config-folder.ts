// A configuration folder as the gateway's KV entries: `settings.json` → `settings`,
// `servers/<name>.json` → `server:<name>`, `agents/<name>.json` → `agent:<name>`,
// `virtual-servers/<name>.json` → `vs:<name>`, `guards/<name>.json` → `guard:<name>`,
// `pins/<server>.json` → `pin:<server>` (config/sample/ is laid out so). A single file is
// read as the entry its folder and name say. Values stay the text of the file: parsing is
// the gateway's own business (config/snapshot.ts), so nothing here can drift from it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";

/** Folder → the KV prefix of the entries in it. */
export const FOLDERS: Readonly<Record<string, string>> = {
  servers: "server:",
  agents: "agent:",
  "virtual-servers": "vs:",
  guards: "guard:",
  pins: "pin:",
};

export interface FolderEntries {
  /** KV key → the file's text. */
  entries: Map<string, string>;
  /** KV key → the file it came from, to name it in reports. */
  files: Map<string, string>;
  /** Files that are no entry (a wrong extension, a folder the gateway does not read). */
  ignored: string[];
}

export function readConfig(path: string): FolderEntries {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  return statSync(path).isDirectory() ? readFolder(path) : readOneFile(path);
}

function readFolder(dir: string): FolderEntries {
  const read: FolderEntries = { entries: new Map(), files: new Map(), ignored: [] };
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === "settings.json") add(read, "settings", path);
    else if (statSync(path).isDirectory() && Object.hasOwn(FOLDERS, name)) {
      for (const file of readdirSync(path).sort()) {
        const inner = join(path, file);
        if (extname(file) === ".json") add(read, `${FOLDERS[name]}${basename(file, ".json")}`, inner);
        else read.ignored.push(inner);
      }
    } else read.ignored.push(path);
  }
  return read;
}

function readOneFile(path: string): FolderEntries {
  const read: FolderEntries = { entries: new Map(), files: new Map(), ignored: [] };
  const folder = basename(dirname(path));
  if (basename(path) === "settings.json") add(read, "settings", path);
  else if (extname(path) === ".json" && Object.hasOwn(FOLDERS, folder))
    add(read, `${FOLDERS[folder]}${basename(path, ".json")}`, path);
  else
    throw new Error(
      `${path}: not an entry; name settings.json, or a .json file in one of ${Object.keys(FOLDERS).join(", ")}`,
    );
  return read;
}

function add(read: FolderEntries, key: string, path: string): void {
  read.entries.set(key, readFileSync(path, "utf8"));
  read.files.set(key, path);
}
