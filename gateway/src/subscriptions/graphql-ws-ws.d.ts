// graphql-ws publishes its WebSocket server under the export "graphql-ws/use/ws", which this project's
// `moduleResolution: node` cannot see; its types are the package's own, named by their file.
declare module "graphql-ws/use/ws" {
  export * from "graphql-ws/dist/use/ws";
}
