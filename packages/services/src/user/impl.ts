import { TRPCError } from "@acme/rpc";
import { implement, iso } from "../context.ts";
import { userUpdated } from "../outbox/categories.ts";
import { userService } from "./contract.ts";

// Never the password hash.
const select = { id: true, email: true, name: true, isActive: true, createdAt: true } as const;
type Row = { id: string; email: string; name: string; isActive: boolean; createdAt: Date };
const toUser = (user: Row) => ({ ...user, createdAt: iso(user.createdAt) });

export const userImpl = implement(userService, {
  getUser: async ({ input, ctx }) => {
    const user = await ctx.db.user.findUnique({ where: { id: input.userId }, select });
    return user === null ? null : toUser(user);
  },
  getManyByIds: async ({ input, ctx }) => {
    const users = await ctx.db.user.findMany({ where: { id: { in: input.userIds } }, select });
    const byId = new Map(users.map((user) => [user.id, user]));
    return input.userIds.flatMap((userId) => {
      const user = byId.get(userId);
      return user === undefined ? [] : [toUser(user)];
    });
  },
  updateUser: async ({ input, ctx }) => {
    const { userId, ...changes } = input;
    return await ctx.outbox.transaction(async (tx, outbox) => {
      const found = await tx.user.findUnique({ where: { id: userId }, select: { id: true } });
      if (found === null) throw new TRPCError({ code: "NOT_FOUND", message: `No user ${userId}.` });
      const user = await tx.user.update({ where: { id: userId }, data: changes, select });
      // Control does not know where the user is a member: every region hears, and the ones
      // where the user is a member keep the copy.
      await outbox.send(
        userUpdated,
        { userId, email: user.email, name: user.name, isActive: user.isActive },
        { everyRegion: true },
      );
      return toUser(user);
    });
  },
  getByEmail: async ({ input, ctx }) => {
    const user = await ctx.db.user.findUnique({ where: { email: input.email }, select });
    return user === null ? null : toUser(user);
  },
});
