CREATE TABLE "instances" (
	"owner" text PRIMARY KEY NOT NULL,
	"heartbeat_at" bigint NOT NULL,
	"started_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"until" bigint NOT NULL
);
