// Runs once when the server starts: a production server without login settings refuses to start.
// (Next only logs an error thrown here and serves anyway, so this exits itself.)
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { authSettings } = await import("./server/auth.ts");
  try {
    authSettings();
  } catch (error) {
    console.error(`Refusing to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
