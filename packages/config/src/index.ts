export { EnvError, type Environment, envFlag, findRepoRoot, loadEnv, repoRoot } from "./env.ts";
