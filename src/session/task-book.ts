// Which tool each task of this session runs (2025-11-25 tasks): noted when a task-augmented
// tools/call the gateway relayed created it, wherever that call ended (the Worker tells the
// session object). A task's status notifications and a merged tasks/list need it: a task's
// sealed id names its tool (gateway/tasks/task-ids.ts), so that its result meets that tool's
// guards. Kept in the object's storage, newest last, at most MAX_TASKS.
const TASKS_KEY = "tasks";
const MAX_TASKS = 500;

/** `<server>\n<upstream task id>` → tool. */
type Book = Record<string, string>;

export class TaskBook {
  constructor(private readonly storage: DurableObjectStorage) {}

  remember(server: string, taskId: string, tool: string): void {
    const book: Book = { ...this.#read() };
    delete book[keyOf(server, taskId)];
    book[keyOf(server, taskId)] = tool;
    const keys = Object.keys(book);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_TASKS))) delete book[old];
    this.storage.kv.put(TASKS_KEY, book);
  }

  toolOf(server: string, taskId: string): string | undefined {
    const book = this.#read();
    const key = keyOf(server, taskId);
    return Object.hasOwn(book, key) ? book[key] : undefined;
  }

  #read(): Book {
    return this.storage.kv.get<Book>(TASKS_KEY) ?? {};
  }
}

function keyOf(server: string, taskId: string): string {
  return `${server}\n${taskId}`;
}
