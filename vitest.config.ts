import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/** Every workspace (packages/* and examples/*) becomes one vitest project named after it. */
function workspaces(): Array<{ dir: string; name: string }> {
  const found: Array<{ dir: string; name: string }> = [];
  for (const group of ["packages", "examples"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const manifest = join(base, entry.name, "package.json");
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name: string };
      found.push({ dir: join(base, entry.name), name });
    }
  }
  return found;
}

// Tests run against the TypeScript sources of sibling packages, not their build output.
const alias = [
  {
    find: /^@virtevent\/([a-z0-9-]+)\/testing$/,
    replacement: join(root, "packages/$1/src/testing/index.ts"),
  },
  { find: /^@virtevent\/([a-z0-9-]+)$/, replacement: join(root, "packages/$1/src/index.ts") },
];

export default defineConfig({
  test: {
    projects: workspaces().map(({ dir, name }) => ({
      resolve: { alias },
      test: {
        name,
        root: dir,
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        setupFiles: [join(root, "vitest.setup.ts")],
        testTimeout: 20_000,
        hookTimeout: 30_000,
      },
    })),
  },
});
