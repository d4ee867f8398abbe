/*
 * campfire.h: the C ABI of Campfire.Core (libcampfire.so), an engine for OpenAI's Harmony format (gpt-oss):
 * the o200k_harmony tokenizer, the conversation renderer, and the incremental completion parser.
 *
 * C99. Link with -lcampfire (soname libcampfire.so). Every symbol is prefixed campfire_ / CAMPFIRE_.
 *
 * Conventions (they hold for every function unless its comment says otherwise)
 * -----------------------------------------------------------------------------
 * - Status: every function that can fail returns a campfire_status. CAMPFIRE_OK is 0; any other value is an error,
 *   and the same code plus a one-line UTF-8 message is recorded as this thread's "last error"
 *   (campfire_last_error_code / campfire_last_error_message). Successful calls leave the last error unchanged.
 * - Inputs are (pointer, length) pairs; lengths count elements (bytes for text, int32_t for tokens) and text is UTF-8,
 *   not NUL-terminated. A NULL pointer is accepted only with length 0.
 * - Outputs go into caller-provided buffers (pointer, capacity) and the function stores the number of elements it
 *   wrote, or, with CAMPFIRE_ERROR_BUFFER_TOO_SMALL, the number it needs, in *out_count / *out_length. Nothing is
 *   written to the buffer when it is too small, and no state changes, so the call can simply be repeated with a larger
 *   buffer. A NULL buffer with capacity 0 is a size query. Out-pointers for counts must not be NULL.
 * - Ownership: the library never returns memory the host must free, except objects behind handles, which the host
 *   releases with the matching campfire_*_free. Strings returned as `const char *` (campfire_version,
 *   campfire_status_name) are static and live as long as the process.
 * - Handles (campfire_decoder, campfire_parser, campfire_grammar, campfire_constraint) are opaque values, not
 *   pointers: the library validates each one, so a NULL handle gives CAMPFIRE_ERROR_NULL_POINTER, a freed one
 *   CAMPFIRE_ERROR_FREED_HANDLE, and anything else that is not a live handle of the right kind
 *   CAMPFIRE_ERROR_INVALID_HANDLE. Never a crash.
 * - Threads: functions without a handle are thread-safe. Creating and freeing handles is thread-safe. One handle
 *   must be used by one thread at a time (different handles may be used concurrently on different threads); a handle
 *   may move between threads. The last error is per thread.
 * - Nothing in the library calls exit(), aborts, or lets an exception escape; an unexpected failure inside the
 *   library is reported as CAMPFIRE_ERROR_INTERNAL.
 */
#ifndef CAMPFIRE_H
#define CAMPFIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version this header describes; compare with campfire_abi_version() at start-up. Bumped on any incompatible
 * change of a signature, struct layout, constant or status value. */
#define CAMPFIRE_ABI_VERSION 1
/* Library version this header ships with (campfire_version() returns the same text). */
#define CAMPFIRE_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------------------------- */
typedef int32_t campfire_status;

#define CAMPFIRE_OK                          0
#define CAMPFIRE_ERROR_NULL_POINTER          1  /* a required pointer (or handle) is NULL */
#define CAMPFIRE_ERROR_INVALID_HANDLE        2  /* not a handle of this kind (garbage, or another kind of handle) */
#define CAMPFIRE_ERROR_FREED_HANDLE          3  /* the handle was valid but has been freed */
#define CAMPFIRE_ERROR_INVALID_UTF8          4  /* input text is not well-formed UTF-8 (or a stream ended mid code point) */
#define CAMPFIRE_ERROR_UNKNOWN_TOKEN         5  /* a token id outside 0..CAMPFIRE_VOCABULARY_SIZE-1 or without bytes */
#define CAMPFIRE_ERROR_BUFFER_TOO_SMALL      6  /* the output did not fit; the required size was stored */
#define CAMPFIRE_ERROR_MALFORMED_JSON        7  /* the JSON is not well-formed or not in the reference's shape */
#define CAMPFIRE_ERROR_PARSE                 8  /* the tokens are not valid Harmony for the chosen parse mode */
#define CAMPFIRE_ERROR_INVALID_ARGUMENT      9  /* an enum value, flag or length out of range */
#define CAMPFIRE_ERROR_INVALID_CONVERSATION 10  /* well-formed JSON that the renderer refuses (like the reference) */
#define CAMPFIRE_ERROR_INVALID_STATE        11  /* bytes given to restore are not a saved parser state */
#define CAMPFIRE_ERROR_INTERNAL             12  /* a bug in the library; the message says what happened */
#define CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED    13  /* the grammar does not allow this token here; the constraint is unchanged */

/* ---------------------------------------------------------------------------------------------------------------
 * Constants of the o200k_harmony vocabulary
 * ------------------------------------------------------------------------------------------------------------- */
#define CAMPFIRE_VOCABULARY_SIZE  201088
/* uint64_t words of a token mask over the vocabulary: (CAMPFIRE_VOCABULARY_SIZE + 63) / 64 */
#define CAMPFIRE_MASK_WORDS       3142
/* The named special tokens; every other id from 199998 up is <|reserved_N|>. HeaderTokenTableTests
 * (tests/Campfire.Native.Tests) holds these lines to the library's table, Campfire.Harmony's HarmonyTokens.Named. */
#define CAMPFIRE_TOKEN_STARTOFTEXT 199998 /* <|startoftext|> */
#define CAMPFIRE_TOKEN_ENDOFTEXT  199999 /* <|endoftext|> */
#define CAMPFIRE_TOKEN_RETURN     200002 /* <|return|>   */
#define CAMPFIRE_TOKEN_CONSTRAIN  200003 /* <|constrain|> */
#define CAMPFIRE_TOKEN_CHANNEL    200005 /* <|channel|>  */
#define CAMPFIRE_TOKEN_START      200006 /* <|start|>    */
#define CAMPFIRE_TOKEN_END        200007 /* <|end|>      */
#define CAMPFIRE_TOKEN_MESSAGE    200008 /* <|message|>  */
#define CAMPFIRE_TOKEN_CALL       200012 /* <|call|>     */
#define CAMPFIRE_TOKEN_ENDOFPROMPT 200018 /* <|endofprompt|> */

/* Message author roles (campfire_parser_create, campfire_render_conversation_for_completion, campfire_event). */
#define CAMPFIRE_ROLE_NONE      (-1) /* parser only: the completion starts with <|start|>, no prefill */
#define CAMPFIRE_ROLE_USER        0
#define CAMPFIRE_ROLE_ASSISTANT   1
#define CAMPFIRE_ROLE_SYSTEM      2
#define CAMPFIRE_ROLE_DEVELOPER   3
#define CAMPFIRE_ROLE_TOOL        4

/* Parse modes. STRICT and NON_STRICT behave as openai/harmony's ParseOptions { strict: true / false };
 * LENIENT recovers from the quirks real gpt-oss output shows and reports each recovery as a diagnostic event. */
#define CAMPFIRE_PARSE_STRICT     0
#define CAMPFIRE_PARSE_NON_STRICT 1
#define CAMPFIRE_PARSE_LENIENT    2

/* ---------------------------------------------------------------------------------------------------------------
 * Library information and errors (all thread-safe)
 * ------------------------------------------------------------------------------------------------------------- */

/* Library version, e.g. "0.1.0" (static, NUL-terminated).
 * Threads: safe from any thread. */
const char *campfire_version(void);

/* ABI version of the loaded library; a host built against CAMPFIRE_ABI_VERSION must refuse a different value.
 * Threads: safe from any thread. */
uint32_t campfire_abi_version(void);

/* Name of a status code, e.g. "CAMPFIRE_ERROR_PARSE" (static, NUL-terminated; "CAMPFIRE_UNKNOWN_STATUS" for others).
 * Threads: safe from any thread. */
const char *campfire_status_name(campfire_status status);

/* Status of the last failing call on this thread (CAMPFIRE_OK if none since start or campfire_clear_last_error).
 * Threads: reads the calling thread's own last error. */
campfire_status campfire_last_error_code(void);

/* Resets this thread's last error to CAMPFIRE_OK with an empty message.
 * Threads: clears the calling thread's own last error. */
void campfire_clear_last_error(void);

/* Copies this thread's last error message (UTF-8, one line) with a terminating NUL into buffer.
 * *out_length receives the message length in bytes, NUL excluded; the buffer needs *out_length + 1 bytes.
 * Returns CAMPFIRE_OK, CAMPFIRE_ERROR_NULL_POINTER (out_length NULL, or buffer NULL with capacity > 0) or
 * CAMPFIRE_ERROR_BUFFER_TOO_SMALL. Unlike every other function, its own failures do NOT replace the last error.
 * Threads: reads the calling thread's own last error. */
campfire_status campfire_last_error_message(char *buffer, size_t capacity, size_t *out_length);

/* ---------------------------------------------------------------------------------------------------------------
 * Tokenizer: o200k_harmony (thread-safe; the vocabulary loads once, on first use)
 * ------------------------------------------------------------------------------------------------------------- */

/* campfire_encode / campfire_count_tokens flags */
#define CAMPFIRE_ENCODE_ALLOW_SPECIAL 1 /* special-token literals such as "<|end|>" become their ids; without the flag
                                          they are ordinary text */

/* Encodes UTF-8 text into token ids.
 * Errors: NULL_POINTER, INVALID_ARGUMENT (unknown flag bits), INVALID_UTF8 (the message gives the byte offset),
 * BUFFER_TOO_SMALL (*out_count = ids needed).
 * Threads: safe from any thread. */
campfire_status campfire_encode(const char *utf8, size_t length, int32_t flags,
                                int32_t *tokens, size_t capacity, size_t *out_count);

/* Number of tokens campfire_encode would produce. Errors: NULL_POINTER, INVALID_ARGUMENT, INVALID_UTF8.
 * Threads: safe from any thread. */
campfire_status campfire_count_tokens(const char *utf8, size_t length, int32_t flags, size_t *out_count);

/* Decodes token ids to the concatenation of their bytes (special tokens as their literal text, "<|end|>").
 * Because a multi-byte character may be split across tokens, a slice of ids can end mid code point: the result is
 * then not valid UTF-8 on its own; use a campfire_decoder to stream text.
 * Errors: NULL_POINTER, UNKNOWN_TOKEN (the message names the id and its index), BUFFER_TOO_SMALL.
 * Threads: safe from any thread. */
campfire_status campfire_decode(const int32_t *tokens, size_t count,
                                char *utf8, size_t capacity, size_t *out_length);

/* Streaming decoder: feed ids one at a time, get text that never ends in half a code point. */
typedef struct campfire_decoder_s *campfire_decoder;

/* Upper bound of the bytes one campfire_decoder_feed can write: a token's bytes (at most 128 in o200k_harmony) plus 3
 * held-back bytes, each possibly replaced by the 3-byte U+FFFD. A buffer of this size never gets BUFFER_TOO_SMALL. */
#define CAMPFIRE_DECODER_MAX_FEED_BYTES 1024

/* Creates a decoder. Errors: NULL_POINTER. Free it with campfire_decoder_free.
 * Threads: safe from any thread. */
campfire_status campfire_decoder_create(campfire_decoder *out_decoder);

/* Adds one token and writes the UTF-8 text that is now complete (possibly 0 bytes: an incomplete character is held
 * back until its last byte arrives; bytes that can never form a character are replaced by U+FFFD, as a lossy
 * UTF-8 decoder does). Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, UNKNOWN_TOKEN (the decoder is unchanged),
 * BUFFER_TOO_SMALL (the token is NOT consumed; retry with *out_length bytes).
 * Threads: one thread at a time per decoder. */
campfire_status campfire_decoder_feed(campfire_decoder decoder, int32_t token,
                                      char *utf8, size_t capacity, size_t *out_length);

/* Ends the stream: writes nothing and returns CAMPFIRE_OK when no bytes are held back; otherwise writes U+FFFD for the
 * incomplete character and returns CAMPFIRE_ERROR_INVALID_UTF8 (the text is still written). The decoder is empty
 * afterwards and can be reused. Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, BUFFER_TOO_SMALL, INVALID_UTF8.
 * Threads: one thread at a time per decoder. */
campfire_status campfire_decoder_finish(campfire_decoder decoder, char *utf8, size_t capacity, size_t *out_length);

/* Frees a decoder; the handle is invalid afterwards (using it gives FREED_HANDLE).
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE (double free).
 * Threads: any thread, but not while another thread uses the same decoder. */
campfire_status campfire_decoder_free(campfire_decoder decoder);

/* ---------------------------------------------------------------------------------------------------------------
 * Renderer (thread-safe)
 * ------------------------------------------------------------------------------------------------------------- */

/* campfire_render_* flags */
#define CAMPFIRE_RENDER_KEEP_ANALYSIS 1 /* keep analysis messages before the last final message (the reference's
                                          auto_drop_analysis = false); by default they are dropped, as the reference
                                          does by default */

/* Renders a whole conversation given as the reference's JSON ({"messages": [...]}) into token ids, as the reference's
 * render_conversation. Errors: NULL_POINTER, INVALID_ARGUMENT (flags), INVALID_UTF8, MALFORMED_JSON,
 * INVALID_CONVERSATION, BUFFER_TOO_SMALL.
 * Threads: safe from any thread. */
campfire_status campfire_render_conversation(const char *json, size_t length, int32_t flags,
                                             int32_t *tokens, size_t capacity, size_t *out_count);

/* Same, for completion: the conversation followed by the prefill "<|start|>" + next_role (usually
 * CAMPFIRE_ROLE_ASSISTANT), as the reference's render_conversation_for_completion.
 * Errors: as campfire_render_conversation, plus INVALID_ARGUMENT for a next_role that is not a CAMPFIRE_ROLE_*.
 * Threads: safe from any thread. */
campfire_status campfire_render_conversation_for_completion(const char *json, size_t length, int32_t next_role,
                                                            int32_t flags, int32_t *tokens, size_t capacity,
                                                            size_t *out_count);

/* campfire_stop_tokens sets */
#define CAMPFIRE_STOP_ALL               0 /* the reference's stop_tokens(): <|return|>, <|end|>, <|call|> */
#define CAMPFIRE_STOP_ASSISTANT_ACTIONS 1 /* stop_tokens_for_assistant_actions(): <|return|>, <|call|> */

/* Writes the stop token ids for sampling, in ascending order. Errors: NULL_POINTER, INVALID_ARGUMENT (which), BUFFER_TOO_SMALL.
 * Threads: safe from any thread. */
campfire_status campfire_stop_tokens(int32_t which, int32_t *tokens, size_t capacity, size_t *out_count);

/* ---------------------------------------------------------------------------------------------------------------
 * Incremental parser
 * ------------------------------------------------------------------------------------------------------------- */
typedef struct campfire_parser_s *campfire_parser;

/* Event kinds */
#define CAMPFIRE_EVENT_NONE            0 /* the queue is empty */
#define CAMPFIRE_EVENT_MESSAGE_START   1 /* a message began: role, name (tool author, e.g. "browser.search") */
#define CAMPFIRE_EVENT_HEADER_COMPLETE 2 /* its header ended (<|message|>): role, name, channel, recipient, content_type */
#define CAMPFIRE_EVENT_CONTENT_DELTA   3 /* content bytes: UTF-8, never half a code point */
#define CAMPFIRE_EVENT_MESSAGE_END     4 /* the message ended: end_token = <|end|>, <|call|> or <|return|>; -1 when it
                                            ended without one (cut off by campfire_parser_finish, or, in lenient mode,
                                            a <|start|> inside its content) */
#define CAMPFIRE_EVENT_DIAGNOSTIC      5 /* lenient mode recovered from a quirk; text is "Name: description", e.g.
                                            "MissingStart: message without <|start|>; assumed one" */

/* A piece of an event's text inside the caller's text buffer; length -1 means "absent" (e.g. no recipient). */
typedef struct campfire_text_ref {
    int32_t offset;
    int32_t length;
} campfire_text_ref;

typedef struct campfire_event {
    int32_t kind;          /* CAMPFIRE_EVENT_* */
    int32_t token_index;   /* 0-based index of the token that produced it, counted since create/reset (for a
                              DIAGNOSTIC: the token the quirk was found at; after finish: the number of tokens) */
    int32_t role;          /* MESSAGE_START, HEADER_COMPLETE, MESSAGE_END: CAMPFIRE_ROLE_*; otherwise -1 */
    int32_t end_token;     /* MESSAGE_END: the closing token id or -1; otherwise -1 */
    campfire_text_ref name;         /* author name (tool messages) */
    campfire_text_ref channel;      /* HEADER_COMPLETE */
    campfire_text_ref recipient;    /* HEADER_COMPLETE */
    campfire_text_ref content_type; /* HEADER_COMPLETE, e.g. "<|constrain|>json" */
    campfire_text_ref text;         /* CONTENT_DELTA: the bytes; DIAGNOSTIC: the description */
} campfire_event;

/* Creates a parser. role: CAMPFIRE_ROLE_NONE when the completion starts at <|start|>, otherwise the role whose
 * "<|start|>role" prefill was already given (usually CAMPFIRE_ROLE_ASSISTANT). mode: CAMPFIRE_PARSE_*.
 * Errors: NULL_POINTER, INVALID_ARGUMENT (role or mode). Free it with campfire_parser_free.
 * Threads: safe from any thread. */
campfire_status campfire_parser_create(int32_t role, int32_t mode, campfire_parser *out_parser);

/* Feeds one token. Events it produces are queued; *out_pending_events (may be NULL) receives the queue length.
 * On CAMPFIRE_ERROR_PARSE or CAMPFIRE_ERROR_UNKNOWN_TOKEN the token is rejected, the events of earlier tokens stay
 * readable, and the parser stays failed (every later feed returns the same error) until reset or restore. (In
 * LENIENT mode an id outside the vocabulary is accepted instead and reported as a DIAGNOSTIC event.)
 * Errors: NULL_POINTER (handle), INVALID_HANDLE, FREED_HANDLE, UNKNOWN_TOKEN, PARSE.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_feed(campfire_parser parser, int32_t token, size_t *out_pending_events);

/* Feeds count tokens, as many campfire_parser_feed calls would. *out_consumed (may be NULL) receives how many were
 * accepted (all of them on success; on an error, the index of the rejected token).
 * Errors: as campfire_parser_feed, plus NULL_POINTER (tokens NULL with count > 0) and INVALID_ARGUMENT.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_feed_span(campfire_parser parser, const int32_t *tokens, size_t count,
                                          size_t *out_consumed, size_t *out_pending_events);

/* Marks the end of the completion (the reference's process_eos): a message still open is an error in STRICT and
 * NON_STRICT mode when its header is incomplete; in LENIENT mode it is closed (MESSAGE_END with end_token -1).
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, PARSE.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_finish(campfire_parser parser, size_t *out_pending_events);

/* Takes the oldest queued event. With an empty queue it returns CAMPFIRE_OK and event->kind CAMPFIRE_EVENT_NONE.
 * The event's text parts are written to text (not NUL-terminated) and referenced from *event; *out_text_length
 * receives the bytes used. When the text does not fit: CAMPFIRE_ERROR_BUFFER_TOO_SMALL, *out_text_length = bytes
 * needed, and the event stays queued. Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, BUFFER_TOO_SMALL.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_next_event(campfire_parser parser, campfire_event *event,
                                           char *text, size_t capacity, size_t *out_text_length);

/* Takes up to max_events queued events at once, oldest first, into events[] and their text into text (event text
 * refs are offsets from the start of text). It stops at the first event whose text does not fit. *out_count receives
 * the number taken (0 with an empty queue), *out_text_length the bytes used. When not even the first event fits:
 * CAMPFIRE_ERROR_BUFFER_TOO_SMALL, *out_count = 0, *out_text_length = bytes that event needs.
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, BUFFER_TOO_SMALL.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_next_events(campfire_parser parser, campfire_event *events, size_t max_events,
                                            char *text, size_t capacity, size_t *out_count, size_t *out_text_length);

/* The per-chunk path: feeds tokens[0..count) and takes the events they produce into events[] and their text into
 * text (refs are offsets from the start of text), in one call, so a host pays the transition once per chunk. Events
 * that fit are written straight into the arrays (no queue): with 64-token chunks this is the cheapest way to stream
 * a completion through the C ABI (docs/performance.md, C ABI). Events already queued are taken first. Feeding stops early, leaving the rest of the tokens unfed, once an event
 * does not fit (max_events reached or its text does not fit the rest of capacity): it stays queued, to be taken by
 * campfire_parser_next_events or by the next call of this function, which then goes on with
 * tokens + *out_consumed. *out_consumed receives the tokens fed, *out_count the events taken, *out_text_length the
 * bytes of text used, *out_pending_events (may be NULL) the events still queued. On a feed error (as
 * campfire_parser_feed) *out_consumed stops before the offending token and the events before it are delivered.
 * When no event was taken because not even the first fits in capacity: CAMPFIRE_ERROR_BUFFER_TOO_SMALL,
 * *out_count = 0, *out_text_length = bytes that event needs (it stays queued).
 * Errors: as campfire_parser_feed, plus NULL_POINTER (tokens NULL with count > 0, events NULL with max_events > 0,
 * text NULL with capacity > 0, out_consumed, out_count or out_text_length NULL), INVALID_ARGUMENT, BUFFER_TOO_SMALL.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_feed_span_events(campfire_parser parser, const int32_t *tokens, size_t count,
                                                 campfire_event *events, size_t max_events, char *text,
                                                 size_t capacity, size_t *out_consumed, size_t *out_count,
                                                 size_t *out_text_length, size_t *out_pending_events);

/* The decode-loop fast path: campfire_parser_feed and, when the token produced an event, campfire_parser_next_event,
 * in one call. *event receives the token's first event, or kind CAMPFIRE_EVENT_NONE when it produced none or when
 * that event's text does not fit in capacity bytes (it then stays queued and *out_text_length gives its size; read it
 * with campfire_parser_next_event). *out_pending_events (may be NULL) receives how many events are still queued.
 * On an error nothing is taken from the queue and *event is CAMPFIRE_EVENT_NONE.
 * Errors: as campfire_parser_feed, plus NULL_POINTER (event, out_text_length, or text NULL with capacity > 0).
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_feed_next(campfire_parser parser, int32_t token, campfire_event *event, char *text,
                                          size_t capacity, size_t *out_text_length, size_t *out_pending_events);

/* Serializes the parser's whole state (mode, role, position, partial header or character, failure, queued events)
 * into buffer: an opaque, checksummed byte string that campfire_parser_restore_state accepts in any parser of the same
 * library ABI version, in this process or another. Its size grows with the tokens fed since create/reset (4 bytes
 * each, plus the unread events), because restoring replays them. Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, BUFFER_TOO_SMALL.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_save_state(campfire_parser parser, uint8_t *buffer, size_t capacity,
                                           size_t *out_size);

/* Replaces the parser's state by a saved one. On any error the parser is unchanged.
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, INVALID_STATE (truncated, corrupted, or another ABI version).
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_restore_state(campfire_parser parser, const uint8_t *state, size_t size);

/* Returns the parser to the state it had when created (same role and mode), dropping queued events and failure.
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE.
 * Threads: one thread at a time per parser (others may use other parsers). */
campfire_status campfire_parser_reset(campfire_parser parser);

/* Frees a parser; the handle is invalid afterwards (using it gives FREED_HANDLE).
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE (double free).
 * Threads: any thread, but not while another thread uses the same parser. */
campfire_status campfire_parser_free(campfire_parser parser);

/* ---------------------------------------------------------------------------------------------------------------
 * Batch parser (thread-safe)
 * ------------------------------------------------------------------------------------------------------------- */

/* Parses a whole completion into the reference's JSON: {"messages": [...]} (each message with role, name, recipient,
 * channel, content_type, content, absent fields omitted, as openai/harmony writes them), plus "diagnostics" in
 * LENIENT mode. role and mode as for campfire_parser_create. Output is UTF-8 JSON, not NUL-terminated.
 * Errors: NULL_POINTER, INVALID_ARGUMENT, UNKNOWN_TOKEN, PARSE (the message gives the token index and what was
 * expected), BUFFER_TOO_SMALL (*out_length = bytes needed).
 * Threads: safe from any thread. */
campfire_status campfire_parse_completion(const int32_t *tokens, size_t count, int32_t role, int32_t mode,
                                          char *json, size_t capacity, size_t *out_length);

/* ---------------------------------------------------------------------------------------------------------------
 * Token constraint: Campfire's Harmony grammar as a mask for hosts that sample their own model
 *
 * Build the grammar of a conversation once (its tools with their JSON Schemas, browser/python, valid channels), start
 * one constraint per generated sequence (right after the prompt's "<|start|>assistant"), and for every token:
 * campfire_constraint_fill_mask, sample only among the ids whose bit is set (bit id % 64 of word id / 64; e.g. set the
 * other logits to -inf), then campfire_constraint_accept the sampled id. The turn is complete after <|return|> or
 * <|call|> (campfire_constraint_is_complete); <|end|> ends a message but not the turn.
 * ------------------------------------------------------------------------------------------------------------- */
typedef struct campfire_grammar_s *campfire_grammar;
typedef struct campfire_constraint_s *campfire_constraint;

/* Compiles the grammar of the next assistant turn of a conversation given as the reference's JSON ({"messages": [...]},
 * as for campfire_render_conversation). Grammars are cached by content inside the library, so creating the same one
 * again is cheap. Errors: NULL_POINTER, INVALID_UTF8, MALFORMED_JSON, INVALID_CONVERSATION (a tool schema the grammar
 * cannot compile). Threads: safe from any thread; a grammar may be used by many threads at once. */
campfire_status campfire_grammar_create(const char *json, size_t length, campfire_grammar *out_grammar);

/* Frees a grammar; constraints started from it stay valid. Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE.
 * Threads: any thread, but not while another thread creates a constraint from it. */
campfire_status campfire_grammar_free(campfire_grammar grammar);

/* Starts a constraint positioned after "<|start|>assistant" and forced_header (count ids already in the prompt after
 * it, e.g. the ids of " to=functions.get_weather" for a required call; NULL, 0 for none).
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE, TOKEN_NOT_ALLOWED (forced_header is not a header prefix this
 * grammar allows). Threads: safe from any thread. */
campfire_status campfire_constraint_create(campfire_grammar grammar, const int32_t *forced_header, size_t count,
                                           campfire_constraint *out_constraint);

/* Optional: does the grammar's one-time work (compiling the mask's code paths, first touches of its tables: about
 * 0.1-0.3 s once per grammar and process) now instead of on the first tokens of each kind, so a host can run it while
 * its model reads the prompt (e.g. on another thread, before the first fill_mask on this constraint). The sequence's
 * state does not change; later calls return at once. Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE. Threads: one thread at a
 * time per constraint (other constraints of the same grammar may run meanwhile; they wait for one warm-up). */
campfire_status campfire_constraint_prepare(campfire_constraint constraint);

/* Writes the ids allowed next into mask (words uint64_t, at least CAMPFIRE_MASK_WORDS): bit id % 64 of word id / 64
 * is set when id may come next. Words past CAMPFIRE_MASK_WORDS (a padded vocabulary) are cleared. Once the
 * constraint is complete no bit is set. Allocates nothing once warm.
 * Errors: NULL_POINTER (mask NULL with words > 0), INVALID_HANDLE, FREED_HANDLE, BUFFER_TOO_SMALL (words <
 * CAMPFIRE_MASK_WORDS; nothing is written). Threads: one thread at a time per constraint. */
campfire_status campfire_constraint_fill_mask(campfire_constraint constraint, uint64_t *mask, size_t words);

/* Advances past the sampled token. Errors: INVALID_HANDLE, FREED_HANDLE, NULL_POINTER, UNKNOWN_TOKEN (outside
 * 0..CAMPFIRE_VOCABULARY_SIZE-1), TOKEN_NOT_ALLOWED (the last mask did not allow it, or the sequence is complete); on
 * any error the constraint is unchanged. Threads: one thread at a time per constraint. */
campfire_status campfire_constraint_accept(campfire_constraint constraint, int32_t token);

/* *out_complete = 1 once a terminator that ends the turn (<|return|>, <|call|>) was accepted, else 0.
 * Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE. Threads: one thread at a time per constraint. */
campfire_status campfire_constraint_is_complete(campfire_constraint constraint, int32_t *out_complete);

/* Frees a constraint. Errors: NULL_POINTER, INVALID_HANDLE, FREED_HANDLE (double free).
 * Threads: any thread, but not while another thread uses the same constraint. */
campfire_status campfire_constraint_free(campfire_constraint constraint);

#ifdef __cplusplus
}
#endif

#endif /* CAMPFIRE_H */
