#!/usr/bin/env bash
# Regenerates the TypeScript types of the protocol (shared/proto/generated/) from proto/redback/v1.
# Run after editing a .proto file; the output is committed. Imports get the .js suffix that
# NodeNext module resolution needs.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf shared/proto/generated
npx proto-loader-gen-types redback/v1/agent.proto redback/v1/control.proto redback/v1/transfer.proto \
  --longs=Number --enums=String --defaults --oneofs --includeComments \
  --grpcLib=@grpc/grpc-js -O shared/proto/generated -I proto 2>&1 | grep -v -e alpha -e nodedir || true
find shared/proto/generated -name '*.ts' -exec sed -i -E "s#(from '\.{1,2}/[^']+)';#\1.js';#" {} +
