#!/usr/bin/env node
// The command is written in TypeScript and runs through tsx, published or in the repository
// alike: one code path, no build step. tsx is a dependency of this package. No tsconfig: the
// folder the command runs in may have one of its own, which is not this code's.
import { register } from "tsx/esm/api";

register({ tsconfig: false });
await import("../src/main.ts");
