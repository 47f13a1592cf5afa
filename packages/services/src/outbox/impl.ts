import { implement } from "../context.ts";
import { controlInboxService, regionInboxService } from "./contract.ts";
import { handleMessage } from "./handlers.ts";

export const controlInboxImpl = implement(controlInboxService, {
  deliver: async ({ input, ctx }) => {
    await handleMessage(input.message, ctx);
    return null;
  },
});

export const regionInboxImpl = implement(regionInboxService, {
  deliver: async ({ input, ctx }) => {
    await handleMessage(input.message, ctx);
    return null;
  },
});
