// Lint: the rules tsc does not enforce. `no-explicit-any` is the house rule; unused code is an error.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "data/**", "artifacts/**", "bench/results/**", "**/*.svelte", ".tmp/**"] },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.base],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/ban-ts-comment": "error",
    },
  },
);
