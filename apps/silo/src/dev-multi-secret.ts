/**
 * DEVELOPMENT ONLY: the secret the local multi-silo topology (`npm run dev:multi`, `npm run demo`)
 * signs with unless RPC_SHARED_SECRET is set. Never use it for a deployment.
 */
export const DEV_RPC_SECRET = "dev-only-rpc-secret-change-me";
