export { EnvError, type Environment, envFlag, loadEnv, repoRoot } from "./env.ts";
