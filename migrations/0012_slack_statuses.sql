CREATE TABLE `slack_statuses` (
	`user_id` text PRIMARY KEY NOT NULL,
	`away` integer NOT NULL,
	`until` integer,
	`fetched_at` integer NOT NULL
);
