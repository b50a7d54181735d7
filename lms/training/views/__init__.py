"""The /training/ workspace pages, one module per part: `classes` (and sessions), `enrollment`,
`attendance` (sign-in and roll call), `plans`, `calendar` feeds; `common` holds what they share."""
