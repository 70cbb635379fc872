// One linter config for source, tests and scripts; formatting is Prettier's job. It also
// keeps the walls of src/: which folder may import which (docs/architecture.md draws the
// same matrix), and how long a file or a function may grow.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

/** Folder → the folders it may import. Anything not listed is a wall; src/app.ts and src/index.ts may import all. */
const LAYERS = {
  mcp: [],
  observe: [],
  config: ["observe"],
  auth: ["config", "observe"],
  ratelimit: ["auth", "config", "mcp", "observe"],
  upstream: ["config", "mcp", "observe"],
  gateway: ["auth", "config", "mcp", "observe", "ratelimit", "upstream"],
  wire: ["mcp"],
  session: ["auth", "config", "gateway", "mcp", "observe", "ratelimit", "upstream", "wire"],
  http: ["auth", "config", "gateway", "mcp", "observe", "ratelimit", "session", "wire"],
};

const walls = Object.entries(LAYERS).map(([folder, allowed]) => {
  const forbidden = Object.keys(LAYERS).filter((other) => other !== folder && !allowed.includes(other));
  return {
    files: [`src/${folder}/**/*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: forbidden.map((other) => ({
            group: [`../${other}/*`, `../../${other}/*`],
            message: `src/${folder}/ may import only ${allowed.length ? allowed.join(", ") : "nothing else in src"} (see docs/architecture.md).`,
          })),
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ["node_modules/", ".wrangler/", "dist/", "coverage/", "worker-configuration.d.ts", "schemas/"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    rules: {
      "max-lines": ["error", { max: 400 }],
      "max-lines-per-function": ["error", { max: 60 }],
    },
  },
  ...walls,
  {
    files: ["scripts/**/*.mjs", "test/fixtures/**/*.mjs", "cli/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly" } },
  },
);
