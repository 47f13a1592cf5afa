-- CreateTable
CREATE TABLE "slug_reservations" (
    "slug" TEXT NOT NULL,
    "organization_id" UUID NOT NULL,
    "region_name" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slug_reservations_pkey" PRIMARY KEY ("slug")
);

-- CreateTable
CREATE TABLE "user_replicas" (
    "user_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_replicas_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "control_outbox" (
    "id" BIGSERIAL NOT NULL,
    "region_name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "shard_scope" TEXT NOT NULL,
    "shard_id" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "control_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "region_outbox" (
    "id" BIGSERIAL NOT NULL,
    "category" TEXT NOT NULL,
    "shard_scope" TEXT NOT NULL,
    "shard_id" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "region_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_leases" (
    "outbox" TEXT NOT NULL,
    "shard" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_leases_pkey" PRIMARY KEY ("outbox","shard")
);

-- CreateIndex
CREATE INDEX "control_outbox_region_name_shard_scope_shard_id_id_idx" ON "control_outbox"("region_name", "shard_scope", "shard_id", "id");

-- CreateIndex
CREATE INDEX "region_outbox_shard_scope_shard_id_id_idx" ON "region_outbox"("shard_scope", "shard_id", "id");

