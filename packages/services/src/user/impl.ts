import { implement, iso } from "../context.ts";
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
  getByEmail: async ({ input, ctx }) => {
    const user = await ctx.db.user.findUnique({ where: { email: input.email }, select });
    return user === null ? null : toUser(user);
  },
});
