#pragma once
// wasi_snapshot_preview1 as the guest sees it: errno values, flag bits, enum values and
// struct layouts (offsets into guest memory, little-endian, wasm32 pointers).
// https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md

#include <cstdint>

namespace skiff::wasi {

enum class Errno : uint16_t {
  Success = 0, TooBig = 1, Acces = 2, AddrInUse = 3, AddrNotAvail = 4, AfNoSupport = 5, Again = 6,
  Already = 7, Badf = 8, BadMsg = 9, Busy = 10, Canceled = 11, Child = 12, ConnAborted = 13,
  ConnRefused = 14, ConnReset = 15, Deadlk = 16, DestAddrReq = 17, Dom = 18, Dquot = 19, Exist = 20,
  Fault = 21, Fbig = 22, HostUnreach = 23, Idrm = 24, Ilseq = 25, InProgress = 26, Intr = 27,
  Inval = 28, Io = 29, IsConn = 30, IsDir = 31, Loop = 32, Mfile = 33, Mlink = 34, MsgSize = 35,
  Multihop = 36, NameTooLong = 37, NetDown = 38, NetReset = 39, NetUnreach = 40, Nfile = 41,
  NoBufs = 42, NoDev = 43, NoEnt = 44, NoExec = 45, NoLck = 46, NoLink = 47, NoMem = 48,
  NoMsg = 49, NoProtoOpt = 50, NoSpc = 51, NoSys = 52, NotConn = 53, NotDir = 54, NotEmpty = 55,
  NotRecoverable = 56, NotSock = 57, NotSup = 58, NoTty = 59, Nxio = 60, Overflow = 61,
  OwnerDead = 62, Perm = 63, Pipe = 64, Proto = 65, ProtoNoSupport = 66, ProtoType = 67,
  Range = 68, Rofs = 69, Spipe = 70, Srch = 71, Stale = 72, TimedOut = 73, TxtBsy = 74, Xdev = 75,
  NotCapable = 76,
};

// A host errno as the guest sees it. EXDEV is what a path escaping its preopen gives
// (platform/beneath.h), so it becomes NotCapable.
Errno errno_from_host(int e);

// Rights (u64 bit positions).
namespace rights {
inline constexpr uint64_t FdDatasync = 1ull << 0, FdRead = 1ull << 1, FdSeek = 1ull << 2,
                          FdFdstatSetFlags = 1ull << 3, FdSync = 1ull << 4, FdTell = 1ull << 5,
                          FdWrite = 1ull << 6, FdAdvise = 1ull << 7, FdAllocate = 1ull << 8,
                          PathCreateDirectory = 1ull << 9, PathCreateFile = 1ull << 10,
                          PathLinkSource = 1ull << 11, PathLinkTarget = 1ull << 12, PathOpen = 1ull << 13,
                          FdReaddir = 1ull << 14, PathReadlink = 1ull << 15, PathRenameSource = 1ull << 16,
                          PathRenameTarget = 1ull << 17, PathFilestatGet = 1ull << 18,
                          PathFilestatSetSize = 1ull << 19, PathFilestatSetTimes = 1ull << 20,
                          FdFilestatGet = 1ull << 21, FdFilestatSetSize = 1ull << 22,
                          FdFilestatSetTimes = 1ull << 23, PathSymlink = 1ull << 24,
                          PathRemoveDirectory = 1ull << 25, PathUnlinkFile = 1ull << 26,
                          PollFdReadwrite = 1ull << 27, SockShutdown = 1ull << 28, SockAccept = 1ull << 29;
inline constexpr uint64_t All = (1ull << 30) - 1;
// What each kind of descriptor can ever have.
inline constexpr uint64_t RegularFile = FdDatasync | FdRead | FdSeek | FdFdstatSetFlags | FdSync | FdTell |
                                        FdWrite | FdAdvise | FdAllocate | FdFilestatGet | FdFilestatSetSize |
                                        FdFilestatSetTimes | PollFdReadwrite;
inline constexpr uint64_t Directory = FdFdstatSetFlags | FdSync | FdAdvise | PathCreateDirectory |
                                      PathCreateFile | PathLinkSource | PathLinkTarget | PathOpen | FdReaddir |
                                      PathReadlink | PathRenameSource | PathRenameTarget | PathFilestatGet |
                                      PathFilestatSetSize | PathFilestatSetTimes | FdFilestatGet |
                                      FdFilestatSetTimes | PathSymlink | PathRemoveDirectory | PathUnlinkFile |
                                      FdDatasync;
inline constexpr uint64_t Tty = FdRead | FdFdstatSetFlags | FdWrite | FdFilestatGet | PollFdReadwrite;
inline constexpr uint64_t Socket = FdRead | FdFdstatSetFlags | FdWrite | FdFilestatGet | PollFdReadwrite |
                                   SockShutdown | SockAccept;
// Host stdio is a stream to read or write, whatever the descriptor is (a terminal, a
// pipe, a log file the shell opened for append, a directory): no seek, truncation, time
// change, path call or flag change (O_APPEND and O_NONBLOCK are shared with the parent).
inline constexpr uint64_t Stdio = FdRead | FdWrite | FdFilestatGet | PollFdReadwrite;
// Rights that modify the file system: a read-only preopen never grants them.
inline constexpr uint64_t Writes = FdDatasync | FdWrite | FdAllocate | PathCreateDirectory | PathCreateFile |
                                   PathLinkSource | PathLinkTarget | PathRenameSource | PathRenameTarget |
                                   PathFilestatSetSize | PathFilestatSetTimes | FdFilestatSetSize |
                                   FdFilestatSetTimes | PathSymlink | PathRemoveDirectory | PathUnlinkFile;
}  // namespace rights

enum class FileType : uint8_t {
  Unknown = 0, BlockDevice = 1, CharacterDevice = 2, Directory = 3, RegularFile = 4,
  SocketDgram = 5, SocketStream = 6, SymbolicLink = 7,
};

// fdflags (u16), oflags (u16), lookupflags (u32), fstflags (u16).
inline constexpr uint16_t kFdflagAppend = 1, kFdflagDsync = 2, kFdflagNonblock = 4, kFdflagRsync = 8,
                          kFdflagSync = 16;
inline constexpr uint16_t kOflagCreat = 1, kOflagDirectory = 2, kOflagExcl = 4, kOflagTrunc = 8;
inline constexpr uint32_t kLookupSymlinkFollow = 1;
inline constexpr uint16_t kFstAtim = 1, kFstAtimNow = 2, kFstMtim = 4, kFstMtimNow = 8;

enum class Whence : uint8_t { Set = 0, Cur = 1, End = 2 };
enum class ClockId : uint32_t { Realtime = 0, Monotonic = 1, ProcessCputime = 2, ThreadCputime = 3 };
enum class Advice : uint8_t { Normal = 0, Sequential = 1, Random = 2, WillNeed = 3, DontNeed = 4, NoReuse = 5 };
enum class EventType : uint8_t { Clock = 0, FdRead = 1, FdWrite = 2 };
inline constexpr uint16_t kSubclockAbstime = 1;
inline constexpr uint16_t kEventFdReadwriteHangup = 1;
inline constexpr uint16_t kRiRecvPeek = 1, kRiRecvWaitall = 2;
inline constexpr uint16_t kRoRecvDataTruncated = 1;
inline constexpr uint8_t kSdRd = 1, kSdWr = 2;

// Struct sizes and field offsets.
namespace layout {
inline constexpr uint32_t kIovec = 8;  // buf u32 @0, buf_len u32 @4
inline constexpr uint32_t kFdstat = 24;  // filetype u8 @0, flags u16 @2, rights_base @8, inheriting @16
inline constexpr uint32_t kFilestat = 64;  // dev @0 ino @8 filetype u8 @16 nlink @24 size @32 atim @40 mtim @48 ctim @56
inline constexpr uint32_t kDirent = 24;  // d_next @0 d_ino @8 d_namlen u32 @16 d_type u8 @20, then the name
inline constexpr uint32_t kPrestat = 8;  // tag u8 @0 (0 = dir), name_len u32 @4
inline constexpr uint32_t kSubscription = 48;  // userdata @0, tag u8 @8, clock: id u32 @16 timeout @24
                                               // precision @32 flags u16 @40; fd_readwrite: fd u32 @16
inline constexpr uint32_t kEvent = 32;  // userdata @0, error u16 @8, type u8 @10, nbytes @16, flags u16 @24
}  // namespace layout

}  // namespace skiff::wasi
