CREATE TABLE `home_viewers` (
	`user_id` text PRIMARY KEY NOT NULL,
	`opened_at` integer NOT NULL
);
