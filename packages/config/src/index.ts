export { EnvError, envFlag, loadEnv, repoRoot } from "./env.ts";
