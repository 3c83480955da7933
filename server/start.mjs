// Starts the server from its TypeScript source on any Node this project runs on; `npm start` and
// `npm run dev` use it. Production (the Dockerfile) runs `node server/src/main.ts` directly on Node 24.
//
// Node ≥ 22.18 strips TypeScript types itself (`process.features.typescript` is "strip"); the sources
// only use erasable syntax (`erasableSyntaxOnly` in tsconfig.json), so nothing else is needed. Older Node
// (Node 20, still many machines' default) cannot: there the tsx loader (a devDependency) is registered
// first. The server runs in this process either way, so signals (Ctrl+C, SIGTERM) reach it directly and
// `node --watch` follows its imports.
const entry = new URL("./src/main.ts", import.meta.url);

if (!process.features.typescript) {
  console.log(`[start] Node ${process.version} does not strip types: loading the TypeScript sources through tsx`);
  const { register } = await import("tsx/esm/api");
  register();
}
await import(entry.href);
