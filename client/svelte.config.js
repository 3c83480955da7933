import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** TypeScript in `<script lang="ts">` is handled by vitePreprocess; runes mode everywhere. */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
