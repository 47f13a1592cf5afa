import { controlMutation, controlQuery, defineService } from "@acme/rpc";
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
    updateUser: controlMutation({
      description:
        "Changes a user's name, email or active flag; control's outbox copies the change to the regions where the user is a member.",
      input: z.object({
        userId: id,
        name: z.string().min(1).max(100).optional(),
        email: email.optional(),
        isActive: z.boolean().optional(),
      }),
      output: User,
      idempotent: true,
    }),
    getByEmail: controlQuery({
      description: "The user with this email address (exactly as stored), or null.",
      input: z.object({ email }),
      output: User.nullable(),
    }),
  },
});
