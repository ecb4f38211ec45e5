// Original file: proto/redback/v1/agent.proto

import type { Welcome as _redback_v1_Welcome, Welcome__Output as _redback_v1_Welcome__Output } from '../../redback/v1/Welcome.js';
import type { Schedule as _redback_v1_Schedule, Schedule__Output as _redback_v1_Schedule__Output } from '../../redback/v1/Schedule.js';
import type { Command as _redback_v1_Command, Command__Output as _redback_v1_Command__Output } from '../../redback/v1/Command.js';
import type { Cancel as _redback_v1_Cancel, Cancel__Output as _redback_v1_Cancel__Output } from '../../redback/v1/Cancel.js';
import type { OffsiteConfig as _redback_v1_OffsiteConfig, OffsiteConfig__Output as _redback_v1_OffsiteConfig__Output } from '../../redback/v1/OffsiteConfig.js';
import type { ResendInventory as _redback_v1_ResendInventory, ResendInventory__Output as _redback_v1_ResendInventory__Output } from '../../redback/v1/ResendInventory.js';

export interface CoordinatorMessage {
  'welcome'?: (_redback_v1_Welcome | null);
  'schedule'?: (_redback_v1_Schedule | null);
  'command'?: (_redback_v1_Command | null);
  'cancel'?: (_redback_v1_Cancel | null);
  'offsiteConfig'?: (_redback_v1_OffsiteConfig | null);
  'resendInventory'?: (_redback_v1_ResendInventory | null);
  'body'?: "welcome"|"schedule"|"command"|"cancel"|"offsiteConfig"|"resendInventory";
}

export interface CoordinatorMessage__Output {
  'welcome'?: (_redback_v1_Welcome__Output | null);
  'schedule'?: (_redback_v1_Schedule__Output | null);
  'command'?: (_redback_v1_Command__Output | null);
  'cancel'?: (_redback_v1_Cancel__Output | null);
  'offsiteConfig'?: (_redback_v1_OffsiteConfig__Output | null);
  'resendInventory'?: (_redback_v1_ResendInventory__Output | null);
  'body'?: "welcome"|"schedule"|"command"|"cancel"|"offsiteConfig"|"resendInventory";
}
