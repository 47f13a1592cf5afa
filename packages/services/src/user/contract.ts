import { controlQuery, defineService } from "@acme/rpc";
import { z } from "zod";
import { email, id, User } from "../models.ts";

/** Users are global: they live in the control silo. */
export const userService = defineService({
  key: "user",
  localMode: "CONTROL",
  description: "Users, from the control silo.",
  methods: {
    getUser: controlQuery({
      description: "The user with this id, active or not, or null.",
      input: z.object({ userId: id }),
      output: User.nullable(),
    }),
    getManyByIds: controlQuery({
      description: "The users with these ids that exist, in the order asked.",
      input: z.object({ userIds: z.array(id).max(100) }),
      output: z.array(User),
    }),
    getByEmail: controlQuery({
      description: "The user with this email address (exactly as stored), or null.",
      input: z.object({ email }),
      output: User.nullable(),
    }),
  },
});
