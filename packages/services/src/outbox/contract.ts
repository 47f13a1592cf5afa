// The two inbox services: the methods a silo's outbox drain calls to deliver a message to the
// silo it is for. Only drains call them; their input is every category's message of one
// direction (a union on `category`), so the schema document holds every payload.

import { categoriesOf, messageSchema } from "@acme/outbox";
import { byRegionName, controlMutation, defineService, regionMutation } from "@acme/rpc";
import { z } from "zod";
import { regionName } from "../models.ts";
import { outboxCategories } from "./categories.ts";

export const controlInboxService = defineService({
  key: "controlInbox",
  localMode: "CONTROL",
  description: "Delivers region outbox messages to control. Called only by the regions' drains.",
  methods: {
    deliver: controlMutation({
      description:
        "Handles one message from a region's outbox. Idempotent: a message may come more than once.",
      input: z.object({
        message: messageSchema(categoriesOf(outboxCategories, "REGION_TO_CONTROL")),
      }),
      output: z.null(),
      idempotent: true,
    }),
  },
});

export const regionInboxService = defineService({
  key: "regionInbox",
  localMode: "REGION",
  description: "Delivers control outbox messages to a region. Called only by control's drain.",
  methods: {
    deliver: regionMutation({
      description:
        "Handles one message from control's outbox in regionName. Idempotent: a message may come more than once.",
      input: z.object({
        regionName,
        message: messageSchema(categoriesOf(outboxCategories, "CONTROL_TO_REGION")),
      }),
      output: z.null(),
      resolve: byRegionName("regionName"),
      idempotent: true,
    }),
  },
});
