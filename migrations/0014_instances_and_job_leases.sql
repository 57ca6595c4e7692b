CREATE TABLE `instances` (
	`owner` text PRIMARY KEY NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`started_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `job_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`until` integer NOT NULL
);
