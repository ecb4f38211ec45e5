// Original file: proto/redback/v1/agent.proto


/**
 * Asks the agent to send its full Inventory again (`redback catalog rebuild`).
 */
export interface ResendInventory {
}

/**
 * Asks the agent to send its full Inventory again (`redback catalog rebuild`).
 */
export interface ResendInventory__Output {
}
