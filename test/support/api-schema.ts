export { printSupergraphApiSchema } from "../../gateway/src/api-schema";
